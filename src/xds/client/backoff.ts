// Envoy's JitteredExponentialBackOffStrategy for xDS reconnects: each failure doubles a ceiling
// (500 ms base, 30 s max) and the wait is uniformly random below it; a good response resets it.

/** Envoy's defaults for the ADS stream (grpc_mux_impl): 500 ms base, 30 s cap. */
export const DEFAULT_BASE_MS = 500;
export const DEFAULT_MAX_MS = 30_000;

/** Full-jitter exponential back-off. */
export class JitteredBackoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = DEFAULT_BASE_MS,
    private readonly maxMs = DEFAULT_MAX_MS,
    private readonly random: () => number = Math.random,
  ) {}

  /** The wait before the next attempt, in ms (never above the cap). */
  next(): number {
    const ceiling = Math.min(this.baseMs * 2 ** Math.min(this.attempt, 30), this.maxMs);
    this.attempt++;
    return Math.min(Math.floor(this.random() * ceiling), this.maxMs);
  }

  /** Back to the base interval (after the stream worked). */
  reset(): void {
    this.attempt = 0;
  }
}
