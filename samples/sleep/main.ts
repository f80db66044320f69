// sleep (images governmentpaas/curl-ssl, curlimages/curl): a client workload with no server; the
// mesh runs commands "inside" it (strait exec sleep -- curl ...). Started, it listens on nothing.
import type { RunningServer, SampleOptions } from '../lib/http-server.js';

/** Starts the idle workload: nothing listens (the book's sleep container runs /bin/sleep). */
export function startSleep(opts: SampleOptions = {}): Promise<RunningServer> {
  return Promise.resolve({ host: opts.host ?? '0.0.0.0', port: 0, close: () => Promise.resolve() });
}
