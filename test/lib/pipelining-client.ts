// Test helper: a raw HTTP/1.1 client that pipelines many GETs on one connection without reading,
// then, when told, reads the responses (content-length framed) and checks they come back in order.
import net from 'node:net';
import { once } from 'node:events';

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** What the responses read so far looked like. */
export interface PipelineTally {
  /** Complete responses read. */
  responses: number;
  /** Responses whose status was not 200. */
  non200: number;
  /** The first response whose `x-seq` header was not the next request's index, or -1. */
  outOfOrderAt: number;
}

/** One connection's worth of pipelined `GET /seq/<i>` requests (the upstream echoes `<i>` as `x-seq`). */
export class PipeliningClient {
  readonly tally: PipelineTally = { responses: 0, non200: 0, outOfOrderAt: -1 };
  private head: Buffer | null = null;
  private bodyLeft = 0;
  private closed = false;
  private waiter: (() => void) | null = null;
  private target = 0;

  private constructor(readonly socket: net.Socket) {
    // Paused from the start: once its small buffer is full, node stops reading the kernel socket.
    socket.pause();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  static async connect(port: number): Promise<PipeliningClient> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new PipeliningClient(socket);
  }

  /** Queues `count` pipelined GETs in one write (node buffers what the kernel does not take). */
  send(count: number, host: string): void {
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(`GET /seq/${i} HTTP/1.1\r\nhost: ${host}\r\n\r\n`);
    this.socket.write(parts.join(''));
  }

  /** Starts reading; resolves once `count` responses arrived, rejects if the connection closes first or time runs out. */
  async readAll(count: number, timeoutMs: number): Promise<void> {
    this.target = count;
    this.socket.resume();
    if (this.tally.responses >= count) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.tally.responses} of ${count} responses after ${timeoutMs} ms`)),
        timeoutMs);
      this.waiter = () => {
        if (this.tally.responses < count && !this.closed) return;
        clearTimeout(timer);
        this.waiter = null;
        if (this.tally.responses >= count) resolve();
        else reject(new Error(`connection closed after ${this.tally.responses} of ${count} responses`));
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - off);
        this.bodyLeft -= take;
        off += take;
        if (this.bodyLeft === 0) this.responseDone();
        continue;
      }
      const buf = this.head === null ? chunk.subarray(off) : Buffer.concat([this.head, chunk.subarray(off)]);
      const end = buf.indexOf(CRLFCRLF);
      if (end === -1) {
        this.head = Buffer.from(buf);
        return;
      }
      const consumed = end + 4 - (this.head === null ? 0 : this.head.length);
      this.head = null;
      off += consumed;
      this.onHead(buf.toString('latin1', 0, end));
    }
  }

  private onHead(text: string): void {
    const status = Number(text.slice(9, 12));
    const len = /\r\ncontent-length: *(\d+)/i.exec(text);
    const seq = /\r\nx-seq: *(\d+)/i.exec(text);
    if (status !== 200) this.tally.non200++;
    if (this.tally.outOfOrderAt === -1 && (seq === null || Number(seq[1]) !== this.tally.responses)) {
      this.tally.outOfOrderAt = this.tally.responses;
    }
    this.bodyLeft = len === null ? 0 : Number(len[1]);
    if (this.bodyLeft === 0) this.responseDone();
  }

  private responseDone(): void {
    this.tally.responses++;
    if (this.tally.responses >= this.target) this.waiter?.();
  }
}
