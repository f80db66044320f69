// istiod's push debouncing: changes merge until the config has been quiet for `debounceAfter`
// (PILOT_DEBOUNCE_AFTER, 100 ms) or `debounceMax` (PILOT_DEBOUNCE_MAX, 10 s) has passed since the first.
import { mergePushRequests, type PushRequest } from './push-request.js';

export interface DebounceOptions {
  /** Quiet period, ms (Istio's default 100). */
  readonly debounceAfter?: number;
  /** Longest a change waits, ms (Istio's default 10 000). */
  readonly debounceMax?: number;
  /** PILOT_ENABLE_EDS_DEBOUNCE (default true): when false, endpoint-only requests push at once. */
  readonly edsDebounce?: boolean;
  /** The clock, ms; default Date.now (tests use a fake one with the fake timer). */
  readonly now?: () => number;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (t: unknown) => void;
}

/** What a push gets: the merged request and the debounce facts for pilot_debounce_time. */
export type PushFn = (req: PushRequest, debounced: { events: number; delayMs: number }) => Promise<void> | void;

/**
 * Merges push requests and hands them to `push` one at a time: a debounced push never overlaps
 * another; what arrives while one runs is debounced again and goes next. (Endpoint-only requests
 * with edsDebounce off go at once, as in istiod.)
 */
export class Debouncer {
  private readonly after: number;
  private readonly max: number;
  private readonly edsDebounce: boolean;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;
  private pending: PushRequest | null = null;
  private events = 0;
  private firstAt = 0;
  private lastAt = 0;
  private timer: unknown = null;
  private pushing = false;
  private closed = false;

  constructor(private readonly push: PushFn, opts: DebounceOptions = {}) {
    this.after = opts.debounceAfter ?? 100;
    this.max = opts.debounceMax ?? 10_000;
    this.edsDebounce = opts.edsDebounce ?? true;
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  }

  /** A change happened. */
  enqueue(req: PushRequest): void {
    if (this.closed) return;
    if (!this.edsDebounce && !req.full) {
      void this.run(req, 1, 0);
      return;
    }
    const t = this.now();
    if (this.pending === null) {
      this.pending = req;
      this.events = 1;
      this.firstAt = t;
    } else {
      this.pending = mergePushRequests(this.pending, req);
      this.events++;
    }
    this.lastAt = t;
    if (this.timer === null) this.arm(this.after);
  }

  /** Drops what is pending; no more pushes. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private arm(ms: number): void {
    this.timer = this.setTimer(() => this.onTimer(), ms);
  }

  private onTimer(): void {
    this.timer = null;
    if (this.pending === null || this.closed) return;
    const t = this.now();
    const quiet = t - this.lastAt;
    const waited = t - this.firstAt;
    if (quiet < this.after && waited < this.max) {
      this.arm(Math.min(this.after - quiet, this.max - waited));
      return;
    }
    // A push is running: look again when it is done (run() re-arms).
    if (this.pushing) return;
    const req = this.pending;
    const events = this.events;
    this.pending = null;
    this.events = 0;
    void this.run(req, events, waited);
  }

  private async run(req: PushRequest, events: number, delayMs: number): Promise<void> {
    this.pushing = true;
    try {
      await this.push(req, { events, delayMs });
    } finally {
      this.pushing = false;
      if (this.pending !== null && this.timer === null && !this.closed) this.arm(0);
    }
  }
}
