// The catalog's /blowup chaos switches: "500", "latency" and "drop" failures, keyed by type,
// applied only to requests whose path contains "items".

/** A blowup as POST /blowup sets it (the body is kept as sent, GET /blowup shows it). */
export interface Blowup {
  active?: boolean;
  type?: string;
  percentage?: number;
  latencyMs?: number;
  volatile?: boolean;
  [extra: string]: unknown;
}

/** What to do with one request. */
export type ChaosAction =
  | { kind: 'pass'; delayMs: number }
  | { kind: 'fail500' }
  | { kind: 'drop' };

const DEFAULT_LATENCY_MS = 1000;

/** A share 0..100 from a blowup (missing, 0-falsy or not a number means 100, as the catalog). */
function share(b: Blowup): number {
  const p = Number(b.percentage);
  return b.percentage === undefined || b.percentage === null || !Number.isFinite(p) || p === 0 ? 100 : p;
}

/** The active blowups of one catalog instance. */
export class Chaos {
  private readonly blowups = new Map<string, Blowup>();

  constructor(private readonly random: () => number = Math.random) {}

  /** POST /blowup: stores (or replaces) the blowup of its type. */
  set(b: Blowup): void {
    this.blowups.set(String(b.type), b);
  }

  /** DELETE /blowup: removes the blowup of `type`. */
  delete(type: string): void {
    this.blowups.delete(type);
  }

  /** GET /blowup's body: type -> blowup. */
  snapshot(): Record<string, Blowup> {
    return Object.fromEntries(this.blowups);
  }

  /** Decides the fate of a request for `path`: each active blowup, in the order set, may fire. */
  decide(path: string): ChaosAction {
    let delayMs = 0;
    if (!path.includes('items')) return { kind: 'pass', delayMs };
    for (const b of this.blowups.values()) {
      if (b.active !== true) continue;
      const hit = this.random() * 100 < share(b);
      if (b.type === '500' && hit) return { kind: 'fail500' };
      if (b.type === 'drop' && hit) return { kind: 'drop' };
      if (b.type === 'latency') {
        const n = Number(b.latencyMs);
        const latency = b.latencyMs === undefined || !Number.isFinite(n) || n === 0 ? DEFAULT_LATENCY_MS : n;
        delayMs += b.volatile === true ? Math.floor(this.random() * latency) : latency;
      }
    }
    return { kind: 'pass', delayMs };
  }
}
