// Test helper: bounded polling. waitFor retries a probe until it yields a value or the time is up,
// then fails naming what it waited for (and the probe's last error).

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every `everyMs` until it returns something other than undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, ms: number, fn: () => T | undefined | Promise<T | undefined>, everyMs = 50): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}
