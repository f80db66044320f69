// Time for health checking and outlier detection: a monotonic clock with unref'd timers, and a
// manual clock that tests advance by hand so checks and ejections need no real waiting.

/** A pending timer of a Clock. */
export interface ClockTimer {
  /** Stops the timer; harmless when it already fired. */
  cancel(): void;
}

/** Monotonic time (ms) and one-shot timers. */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; real timers never keep the process alive. */
  schedule(ms: number, fn: () => void): ClockTimer;
}

class RealTimer implements ClockTimer {
  constructor(private readonly handle: NodeJS.Timeout) {}
  cancel(): void {
    clearTimeout(this.handle);
  }
}

/** The process's monotonic clock and node timers (unref'd). */
export const realClock: Clock = {
  now: () => performance.now(),
  schedule(ms: number, fn: () => void): ClockTimer {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return new RealTimer(t);
  },
};

/** A timer of a ManualClock. */
class ManualTimer implements ClockTimer {
  cancelled = false;
  constructor(readonly at: number, readonly seq: number, readonly fn: () => void) {}
  cancel(): void {
    this.cancelled = true;
  }
}

/** A clock that moves only when advance() is called; due timers run in time order. */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: ManualTimer[] = [];

  now(): number {
    return this.t;
  }

  schedule(ms: number, fn: () => void): ClockTimer {
    const timer = new ManualTimer(this.t + Math.max(0, ms), this.seq++, fn);
    this.timers.push(timer);
    return timer;
  }

  /** Timers still pending. */
  get pending(): number {
    return this.timers.filter((x) => !x.cancelled).length;
  }

  /** Moves time forward by `ms`, running every timer that falls due (including ones they schedule). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((x) => !x.cancelled);
      let next: ManualTimer | null = null;
      for (const x of this.timers) {
        if (x.at <= end && (next === null || x.at < next.at || (x.at === next.at && x.seq < next.seq))) next = x;
      }
      if (next === null) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}
