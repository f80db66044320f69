// Test helper: steady HTTP/1.1 load from the test process (a request every 1000/rate ms, each
// on its own connection), counting answers per upstream and every failure; bounded by maxMs.
import http from 'node:http';

/** One answer: when its request was sent, when it was answered, which upstream (x-upstream), and the status. */
export interface LoadSample {
  sent: number;
  at: number;
  status: number;
  upstream: string;
}

/** A running load loop. */
export interface Load {
  readonly samples: LoadSample[];
  /** Requests that got no response, or a status other than 200, with why. */
  readonly failures: string[];
  /** Resolves when `n` more answers have come in after now (or rejects after `ms`). */
  more(n: number, ms?: number): Promise<void>;
  /** The samples whose request was sent after time `t` (ms since epoch), so none was routed before it. */
  since(t: number): LoadSample[];
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

function once(url: string): Promise<LoadSample> {
  const sent = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' }, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ sent, at: Date.now(), status: res.statusCode ?? 0, upstream: String(res.headers['x-upstream'] ?? '') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 5 s')));
    req.on('error', reject);
  });
}

/** Sends GET `url()` at `rate` per second until stop() or `maxMs`. */
export function startLoad(url: () => string, rate = 200, maxMs = 120_000): Load {
  const samples: LoadSample[] = [];
  const failures: string[] = [];
  const inflight = new Set<Promise<void>>();
  const started = Date.now();
  let stopped = false;
  const tick = (): void => {
    if (stopped || Date.now() - started > maxMs) return;
    const target = url();
    const p = once(target).then((s) => {
      samples.push(s);
      if (s.status !== 200) failures.push(`${new Date(s.at).toISOString()} ${target}: status ${s.status} from '${s.upstream}'`);
    }, (e: Error) => {
      failures.push(`${new Date().toISOString()} ${target}: ${e.message}`);
    }).finally(() => inflight.delete(p));
    inflight.add(p);
  };
  const timer = setInterval(tick, 1000 / rate);
  return {
    samples,
    failures,
    async more(n: number, ms = 10_000): Promise<void> {
      const want = samples.length + n;
      const end = Date.now() + ms;
      while (samples.length < want) {
        if (Date.now() > end) throw new Error(`load: only ${samples.length - want + n} of ${n} answers in ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    since: (t: number) => samples.filter((s) => s.sent > t),
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...inflight]);
    },
  };
}
