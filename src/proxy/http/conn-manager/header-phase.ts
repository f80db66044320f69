// HTTP/1 requests before their stream: Envoy creates an HTTP/1 stream at the request's first byte, so its
// timers (request_headers_timeout, stream_idle_timeout, request_timeout, max_stream_duration) run while the
// headers arrive. This times that phase for one connection with a single reusable timer.
import { firstTimeoutBeforeHeaders, type StreamTimeout, type StreamTimeoutConfig } from './stream-timeouts.js';

/** The connection a HeaderPhase belongs to. */
export interface HeaderPhaseOwner {
  /** Whether a stream is still running (a pipelined request waits for it). */
  hasStreams(): boolean;
  /** The request that began at `startedMs` timed out before its headers were complete. */
  onHeaderPhaseTimeout(kind: StreamTimeout, startedMs: number): void;
}

function onTimer(p: HeaderPhase): void {
  p.onTimer();
}

/** The header phase of the requests of one HTTP/1 connection, one at a time. */
export class HeaderPhase {
  private readonly first: { kind: StreamTimeout; ms: number } | null;
  private timer: NodeJS.Timeout | null = null;
  /** When the request whose headers are arriving began (performance.now()), or -1. */
  private startedMs = -1;
  /** A request began behind a running stream: its phase starts once that stream is done. */
  private waiting = false;

  constructor(cfg: StreamTimeoutConfig, private readonly owner: HeaderPhaseOwner) {
    this.first = firstTimeoutBeforeHeaders(cfg);
  }

  /** Whether a request is between its first byte and its complete headers. */
  get active(): boolean {
    return this.startedMs >= 0 || this.waiting;
  }

  /** A request's first byte. Envoy's codec reads a pipelined request only after the one before it: so do its timers. */
  begin(): void {
    if (this.owner.hasStreams()) this.waiting = true;
    else this.start();
  }

  /** The request's headers are complete; returns when it began, or -1 if it began behind another stream. */
  complete(): number {
    const started = this.startedMs;
    this.startedMs = -1;
    this.waiting = false;
    return started;
  }

  /** The connection has no stream left: a request waiting behind them starts its phase now. */
  onStreamsDone(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.start();
  }

  private start(): void {
    this.startedMs = performance.now();
    if (this.first === null) return;
    if (this.timer === null) {
      this.timer = setTimeout(onTimer, this.first.ms, this);
      this.timer.unref();
    } else {
      this.timer.refresh();
    }
  }

  onTimer(): void {
    // A spent timer that outlived its request (headers completed first) is ignored.
    if (this.startedMs < 0 || this.first === null) return;
    const started = this.startedMs;
    this.startedMs = -1;
    this.owner.onHeaderPhaseTimeout(this.first.kind, started);
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.startedMs = -1;
    this.waiting = false;
  }
}
