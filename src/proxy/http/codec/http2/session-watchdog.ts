// Liveness probe for HTTP/2 sessions: a PING every interval, and the session is destroyed when the
// previous one went unanswered. Node leaves a session open after nghttp2 ends it with a connection error.
import type { Http2Session } from 'node:http2';

// Why this exists: on a connection error (a DATA frame on stream 0, a broken HPACK block ...) nghttp2
// sends GOAWAY and stops, and node stops reading the socket without emitting anything, so the socket,
// its streams and the peer's FIN all go unnoticed. A PING is never sent on such a session, so an
// unanswered PING is the one signal JS can observe.

let probeIntervalMs = 15_000;

/** Sets the probe interval for sessions created afterwards (tests shorten it). */
export function setSessionProbeIntervalMs(ms: number): void {
  probeIntervalMs = ms;
}

/** Pings one session every interval; owned by its connection, stopped when the session closes. */
export class SessionWatchdog {
  private readonly timer: NodeJS.Timeout;
  private awaitingAck = false;
  private readonly onAck = (err: Error | null): void => {
    if (err === null) this.awaitingAck = false;
  };

  constructor(private readonly session: Http2Session) {
    this.timer = setTimeout(onProbeTick, probeIntervalMs, this);
    this.timer.unref();
  }

  tick(): void {
    const session = this.session;
    if (session.destroyed) return;
    if (this.awaitingAck) {
      session.destroy();
      return;
    }
    if (!session.connecting) {
      let sent = false;
      try {
        sent = session.ping(this.onAck);
      } catch {
        sent = false;
      }
      if (sent) this.awaitingAck = true;
    }
    this.timer.refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

function onProbeTick(w: SessionWatchdog): void {
  w.tick();
}
