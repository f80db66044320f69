// http-echo (image hashicorp/http-echo) as a sample: answers its -text on every path, /health
// with {"status":"ok"}; flags -text, -listen (default :5678), -status-code; env ECHO_TEXT.
import http from 'node:http';
import { isMainModule, listen, runSample, type ListenOptions, type RunningServer, type SampleOptions } from '../lib/http-server.js';
import { send } from '../lib/http-util.js';

export const HTTP_ECHO_DEFAULT_PORT = 5678;

/** The parsed command line. */
export interface HttpEchoFlags {
  text: string | undefined;
  listen: ListenOptions;
  statusCode: number;
}

/** Parses Go-style flags (-text=x, --text x, -text x); ECHO_TEXT stands in for -text. */
export function parseHttpEchoArgs(args: readonly string[], env: Record<string, string | undefined> = {}): HttpEchoFlags {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([A-Za-z-]+)(?:=(.*))?$/s.exec(args[i]!);
    if (m === null) continue;
    const value = m[2] ?? args[++i] ?? '';
    flags.set(m[1]!, value);
  }
  const listenRaw = flags.get('listen') ?? `:${HTTP_ECHO_DEFAULT_PORT}`;
  const lm = /^(.*):(\d+)$/.exec(listenRaw);
  const listenOpts: ListenOptions = lm === null ? { port: HTTP_ECHO_DEFAULT_PORT }
    : { host: lm[1] === '' ? '0.0.0.0' : lm[1]!.replace(/^\[|\]$/g, ''), port: Number(lm[2]) };
  return { text: flags.get('text') ?? env.ECHO_TEXT, listen: listenOpts, statusCode: Number(flags.get('status-code') ?? 200) };
}

/** Starts http-echo; opts.args are the container's args (e.g. ["-text=hello"]); host/port win over -listen. */
export function startHttpEcho(opts: SampleOptions & { args?: readonly string[] } = {}): Promise<RunningServer> {
  const flags = parseHttpEchoArgs(opts.args ?? [], opts.env ?? {});
  if (flags.text === undefined) return Promise.reject(new Error('http-echo: missing -text'));
  const body = `${flags.text}\n`;
  const server = http.createServer((req, res) => {
    req.resume();
    res.setHeader('X-App-Name', 'http-echo');
    res.setHeader('X-App-Version', '0.2.3');
    if (new URL(req.url ?? '/', 'http://localhost').pathname === '/health') {
      return send(res, 200, 'application/json', '{"status":"ok"}');
    }
    send(res, flags.statusCode, 'text/plain; charset=utf-8', body);
  });
  return listen(server, { host: opts.host ?? flags.listen.host ?? '0.0.0.0', port: opts.port ?? flags.listen.port });
}

if (isMainModule(import.meta.url)) {
  const args = process.argv.slice(2);
  void runSample('http-echo', HTTP_ECHO_DEFAULT_PORT, (o) => startHttpEcho({ ...o, env: process.env, args }),
    (env) => {
      const f = parseHttpEchoArgs(args, env);
      return { host: env.HOST || f.listen.host, port: env.PORT ? Number(env.PORT) : f.listen.port };
    });
}
