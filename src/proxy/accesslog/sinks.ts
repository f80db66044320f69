// Where log lines go: a file opened once and appended to, or the process's stdout/stderr.
// Lines are buffered and written in batches off the request path (one write in flight per sink).
import { openSync, closeSync, write, writeSync } from 'node:fs';
import { AccessLogConfigError } from './errors.js';

/** A buffered destination for log lines. */
export interface LogSink {
  readonly path: string;
  /** Queues a line; never blocks and never throws. */
  write(line: string): void;
  /** Resolves once everything queued so far has been written. */
  flush(): Promise<void>;
  /** Writes whatever is queued synchronously (for process exit). */
  flushSync(): void;
  /** Reopens the destination (log rotation, admin /reopen_logs). */
  reopen(): void;
  /** Flushes, then closes the destination; later lines are dropped. */
  close(): Promise<void>;
}

/** Lines kept at most while a write is slow; beyond this they are dropped and counted. */
const MAX_PENDING_CHARS = 64 * 1024 * 1024;

/** Common batching: collect lines, start one write per event-loop turn, keep one write in flight. */
abstract class BatchingSink implements LogSink {
  private pending = '';
  private writing = false;
  private scheduled = false;
  private waiters: Array<() => void> = [];
  protected closed = false;
  /** Lines dropped because the destination could not keep up or failed. */
  dropped = 0;
  /** The last write error, if any (writes keep being attempted). */
  lastError: Error | null = null;

  constructor(readonly path: string) {}

  write(line: string): void {
    if (this.closed) return;
    if (this.pending.length + line.length > MAX_PENDING_CHARS) {
      this.dropped++;
      return;
    }
    this.pending += line;
    if (!this.writing && !this.scheduled) {
      this.scheduled = true;
      setImmediate(startBatch, this);
    }
  }

  /** Starts writing the pending batch, if idle. */
  startWrite(): void {
    this.scheduled = false;
    if (this.writing) return;
    if (this.pending === '') {
      this.wakeWaiters();
      return;
    }
    const batch = this.pending;
    this.pending = '';
    this.writing = true;
    this.writeBatch(batch);
  }

  /** Subclasses call this when a batch has been written (or failed). */
  protected batchDone(err: Error | null): void {
    this.writing = false;
    if (err !== null) this.lastError = err;
    this.afterBatch();
    if (this.pending !== '') this.startWrite();
    else this.wakeWaiters();
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  flush(): Promise<void> {
    if (!this.writing && this.pending === '') return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (!this.writing) this.startWrite();
    });
  }

  flushSync(): void {
    if (this.pending === '') return;
    const batch = this.pending;
    this.pending = '';
    try {
      this.writeBatchSync(batch);
    } catch (err) {
      this.lastError = err as Error;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.closeDestination();
  }

  abstract reopen(): void;
  /** Writes `batch` and then calls batchDone. */
  protected abstract writeBatch(batch: string): void;
  protected abstract writeBatchSync(batch: string): void;
  /** Hook between batches (a pending reopen happens here). */
  protected afterBatch(): void {}
  protected abstract closeDestination(): void;
}

function startBatch(sink: BatchingSink): void {
  sink.startWrite();
}

/** Appends to a file (opened at config time, so a bad path is a config error). */
export class FileSink extends BatchingSink {
  private fd: number;
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  private reopenWanted = false;
  private readonly onWritten = (err: NodeJS.ErrnoException | null, written: number): void => this.written(err, written);

  constructor(path: string) {
    super(path);
    this.fd = FileSink.open(path);
  }

  private static open(path: string): number {
    try {
      return openSync(path, 'a');
    } catch (err) {
      throw new AccessLogConfigError(`unable to open file '${path}': ${(err as Error).message}`);
    }
  }

  protected writeBatch(batch: string): void {
    this.buffer = Buffer.from(batch, 'utf8');
    this.offset = 0;
    write(this.fd, this.buffer, 0, this.buffer.length, null, this.onWritten);
  }

  private written(err: NodeJS.ErrnoException | null, written: number): void {
    if (err === null && this.offset + written < this.buffer.length) {
      // A short write (pipes, FIFOs): continue with the rest.
      this.offset += written;
      write(this.fd, this.buffer, this.offset, this.buffer.length - this.offset, null, this.onWritten);
      return;
    }
    this.buffer = Buffer.alloc(0);
    this.batchDone(err);
  }

  protected writeBatchSync(batch: string): void {
    const buf = Buffer.from(batch, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
  }

  reopen(): void {
    this.reopenWanted = true;
    if (this.buffer.length === 0) this.afterBatch();
  }

  protected override afterBatch(): void {
    if (!this.reopenWanted || this.closed) return;
    this.reopenWanted = false;
    try {
      const fd = openSync(this.path, 'a');
      closeSync(this.fd);
      this.fd = fd;
    } catch (err) {
      // Keep writing to the old file rather than losing lines.
      this.lastError = err as Error;
    }
  }

  protected closeDestination(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed: nothing to release.
    }
  }
}

/** The process's stdout or stderr (shares ordering with everything else the process prints). */
export class StdioSink extends BatchingSink {
  private readonly onWritten = (err?: Error | null): void => this.batchDone(err ?? null);

  constructor(path: '/dev/stdout' | '/dev/stderr', private readonly stream: NodeJS.WriteStream) {
    super(path);
  }

  protected writeBatch(batch: string): void {
    this.stream.write(batch, this.onWritten);
  }

  protected writeBatchSync(batch: string): void {
    writeSync(this.stream === process.stderr ? 2 : 1, batch);
  }

  reopen(): void {
    // Nothing to reopen: the descriptor belongs to the process.
  }

  protected closeDestination(): void {
    // Never close the process's own stdio.
  }
}

/** The sink for a path: `/dev/stdout` and `/dev/stderr` use the process streams, anything else a file. */
export function openSink(path: string): LogSink {
  if (path === '/dev/stdout') return new StdioSink(path, process.stdout);
  if (path === '/dev/stderr') return new StdioSink(path, process.stderr);
  return new FileSink(path);
}
