// fake-service (image nicholasjackson/fake-service: the book's simple-web / simple-backend) as a sample.
// Run: LISTEN_ADDR=0.0.0.0:8080 NAME=web UPSTREAM_URIS=http://... node dist/samples/fake-service/main.js
import http from 'node:http';
import { isMainModule, listen, listenOptionsFromListenAddr, runSample, type RunningServer,
  type SampleOptions } from '../lib/http-server.js';
import { consoleLog } from '../lib/http-util.js';
import { FakeServiceApp } from './app.js';
import { fakeServiceConfig } from './config.js';

/** The image's LISTEN_ADDR default. */
export const FAKE_SERVICE_DEFAULT_LISTEN_ADDR = '0.0.0.0:9090';
export const FAKE_SERVICE_DEFAULT_PORT = 9090;

/** Starts a fake-service; its settings and proxy come from opts.env (opts.host/port win over LISTEN_ADDR). */
export function startFakeService(opts: SampleOptions = {}): Promise<RunningServer> {
  const env = opts.env ?? {};
  const where = listenOptionsFromListenAddr(env, FAKE_SERVICE_DEFAULT_LISTEN_ADDR);
  const app = new FakeServiceApp(fakeServiceConfig(env), env, opts.log ?? consoleLog);
  const server = http.createServer((req, res) => app.handle(req, res));
  return listen(server, { host: opts.host ?? where.host, port: opts.port ?? where.port });
}

if (isMainModule(import.meta.url)) {
  void runSample('fake-service', FAKE_SERVICE_DEFAULT_PORT, (o) => startFakeService({ ...o, env: process.env }),
    (env) => listenOptionsFromListenAddr(env, FAKE_SERVICE_DEFAULT_LISTEN_ADDR));
}
