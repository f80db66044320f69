// The local rate limit's token bucket: refilled lazily from a monotonic clock when it is used, at
// tokens_per_fill per fill_interval up to max_tokens (Envoy's timer-free token bucket), so no timers.

/** Absorbs floating-point drift from many small refills (a token is a token at 0.999999999). */
const EPSILON = 1e-9;

function monotonicMs(): number {
  return performance.now();
}

/** A token bucket that starts full and refills continuously. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  constructor(readonly maxTokens: number, readonly tokensPerFill: number, readonly fillIntervalMs: number,
    private readonly now: () => number = monotonicMs) {
    this.tokens = maxTokens;
    this.last = now();
    this.perMs = tokensPerFill / fillIntervalMs;
  }

  /** Takes one token; false when the bucket is empty. */
  consume(): boolean {
    this.refill();
    if (this.tokens + EPSILON < 1) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** Whole tokens left (x-ratelimit-remaining). */
  remaining(): number {
    this.refill();
    return Math.floor(this.tokens + EPSILON);
  }

  private refill(): void {
    const t = this.now();
    if (t <= this.last) return;
    this.tokens = Math.min(this.maxTokens, this.tokens + (t - this.last) * this.perMs);
    this.last = t;
  }
}
