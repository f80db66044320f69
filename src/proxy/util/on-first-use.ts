// Modules a config may never name, loaded on their first use by a synchronous require of the ES module
// (Node >= 20.19), so a proxy pays at start-up only for the extensions its config uses.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const requireModule = createRequire(import.meta.url);

/** A getter of the module at `url` (`new URL('./x.js', import.meta.url)`), which loads it on its first call. */
export function onFirstUse<T>(url: URL): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireModule(fileURLToPath(url)) as T);
}
