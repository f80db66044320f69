// forum (image istioinaction/forum) as a local sample service: /api/users, /api/healthz.
// Run: PORT=8080 LOCAL_USERS=true node dist/samples/forum/main.js; tests use startForum().
import http from 'node:http';
import { isMainModule, listen, runSample, type RunningServer, type SampleOptions } from '../lib/http-server.js';
import { consoleLog } from '../lib/http-util.js';
import { ForumApp } from './app.js';

/** The forum container's port (forum-all.yaml's containerPort; its Service maps 80 to it). */
export const FORUM_DEFAULT_PORT = 8080;

/** Starts a forum; LOCAL_USERS, USERS_URL and the proxy come from opts.env. */
export function startForum(opts: SampleOptions = {}): Promise<RunningServer> {
  const app = new ForumApp(opts.env ?? {}, opts.log ?? consoleLog);
  const server = http.createServer((req, res) => app.handle(req, res));
  return listen(server, { host: opts.host ?? '0.0.0.0', port: opts.port ?? FORUM_DEFAULT_PORT });
}

if (isMainModule(import.meta.url)) {
  void runSample('forum', FORUM_DEFAULT_PORT, (o) => startForum({ ...o, env: process.env }));
}
