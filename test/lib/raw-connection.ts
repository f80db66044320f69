// Test helper: a raw TCP client on loopback that records what it receives and when the peer closed,
// for tests of byte-level client behaviour (slow header bytes, trickled bodies, silent connections).
import net from 'node:net';
import { sleep } from './wait.js';

/** One raw client connection. */
export class RawConnection {
  /** Bytes received so far, as latin1 text. */
  received = '';
  /** ms from connect to the peer's close; undefined while open. */
  closedAfterMs: number | undefined;
  private readonly startedMs = performance.now();
  private readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { this.received += d; });
    socket.on('error', () => { /* a reset is a close here */ });
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.closedAfterMs = performance.now() - this.startedMs;
      resolve();
    }));
  }

  /** Connects to 127.0.0.1:port. */
  static async open(port: number): Promise<RawConnection> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  get isClosed(): boolean {
    return this.closedAfterMs !== undefined;
  }

  /** ms since the connection opened. */
  elapsedMs(): number {
    return performance.now() - this.startedMs;
  }

  write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text, 'latin1');
  }

  /** Sends `text` one byte every `everyMs` until it is all out, the peer closes, or `limitMs` passes. */
  async trickle(text: string, everyMs: number, limitMs: number): Promise<number> {
    let sent = 0;
    while (sent < text.length && !this.isClosed && this.elapsedMs() < limitMs) {
      this.write(text[sent++]!);
      await sleep(everyMs);
    }
    return sent;
  }

  /** Resolves when the peer closed (true), or after `ms` (false). */
  async waitClosed(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(resolve, ms, false); });
    const r = await Promise.race([this.closed.then(() => true), timeout]);
    clearTimeout(timer);
    return r;
  }

  /** Resolves once the received text matches `re`, or fails after `ms`. */
  async waitFor(re: RegExp, ms: number): Promise<RegExpExecArray> {
    const end = performance.now() + ms;
    for (;;) {
      const m = re.exec(this.received);
      if (m !== null) return m;
      if (performance.now() > end || this.isClosed) throw new Error(`no ${re} in ${JSON.stringify(this.received)}`);
      await sleep(10);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}
