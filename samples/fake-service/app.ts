// The fake-service request handler: waits its configured duration, calls UPSTREAM_URIS in order
// and answers fake-service's JSON with each upstream's answer embedded; injects errors at ERROR_RATE.
import os from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, type LogSink } from '../lib/http-util.js';
import { httpCall, type ProxyEnv } from '../lib/upstream-client.js';
import { requestDurationMs, type FakeServiceConfig } from './config.js';

/** fake-service's answer body. */
export interface FakeResponse {
  name: string;
  uri: string;
  type: 'HTTP';
  ip_addresses: string[];
  start_time: string;
  end_time: string;
  duration: string;
  body?: string;
  upstream_calls?: unknown[];
  code?: number;
  error?: string;
}

/** The error message of an injected failure. */
export const INJECTED_ERROR = 'Service error automatically injected';

/** The machine's non-internal IPv4 addresses, as fake-service lists its own. */
function ipAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((l) => l ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address);
}

/** A Go-like rendering of a duration ("1.234ms", "2.5s"). */
function goDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(6).replace(/\.?0+$/, '')}s` : `${ms.toFixed(6).replace(/\.?0+$/, '')}ms`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One fake-service instance. */
export class FakeServiceApp {
  constructor(private readonly config: FakeServiceConfig, private readonly env: ProxyEnv,
    private readonly log: LogSink, private readonly random: () => number = Math.random) {}

  /** node:http 'request' listener. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    req.on('end', () => void this.route(req, res).catch((err: unknown) => {
      this.log(`[ERROR] fake-service: ${(err as Error).message}`);
      if (!res.headersSent) res.destroy();
    }));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/health' || path === '/ready') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('OK');
      return;
    }
    this.log(`[INFO]  Handle inbound request: request="${req.method} ${req.url} HTTP/${req.httpVersion}"`);
    const start = new Date();
    const out: Omit<FakeResponse, 'end_time' | 'duration' | 'code'> = {
      name: this.config.name, uri: req.url ?? '/', type: 'HTTP', ip_addresses: ipAddresses(), start_time: start.toISOString(),
    };
    // Keys in fake-service's order: ..., start_time, end_time, duration, body, upstream_calls, code, error.
    const finish = (status: number): void => {
      const end = new Date();
      const answer: FakeResponse = { name: out.name, uri: out.uri, type: out.type, ip_addresses: out.ip_addresses,
        start_time: out.start_time, end_time: end.toISOString(), duration: goDuration(end.getTime() - start.getTime()) };
      if (out.body !== undefined) answer.body = out.body;
      if (out.upstream_calls !== undefined) answer.upstream_calls = out.upstream_calls;
      answer.code = status;
      if (out.error !== undefined) answer.error = out.error;
      sendJson(res, status, answer);
    };
    await sleep(requestDurationMs(this.config, this.random));
    if (this.config.errorRate > 0 && this.random() < this.config.errorRate) {
      if (this.config.errorType === 'http_error') {
        out.error = INJECTED_ERROR;
        this.log(`[INFO]  error_injector: Injecting error: code=${this.config.errorCode}`);
        return finish(this.config.errorCode);
      }
      await sleep(this.config.errorDelayMs);
    }
    out.body = this.config.message;
    const calls: unknown[] = [];
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if ((name.startsWith('x-') || name === 'traceparent' || name === 'tracestate' || name === 'b3') && value !== undefined) {
        headers[name] = Array.isArray(value) ? value[0] ?? '' : value;
      }
    }
    let failed = false;
    for (const uri of this.config.upstreamUris) {
      const call = await this.callUpstream(uri, headers);
      calls.push(call.entry);
      if (!call.ok) { failed = true; break; }
    }
    if (calls.length > 0) out.upstream_calls = calls;
    finish(failed ? 500 : 200);
  }

  /** Calls one upstream; its JSON answer (or its text, or the error) becomes an upstream_calls entry. */
  private async callUpstream(uri: string, headers: Record<string, string>): Promise<{ ok: boolean; entry: unknown }> {
    try {
      const r = await httpCall({ url: uri, headers }, this.env);
      let entry: Record<string, unknown>;
      try {
        const parsed = JSON.parse(r.body.toString('utf8')) as unknown;
        entry = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
          ? { ...parsed as Record<string, unknown> } : { body: parsed };
      } catch {
        entry = { body: r.body.toString('utf8') };
      }
      entry.uri = uri;
      entry.code = r.status;
      const ok = r.status >= 200 && r.status < 300;
      if (!ok && entry.error === undefined) entry.error = `Error processing upstream request: ${uri}, expected code 200, got ${r.status}`;
      return { ok, entry };
    } catch (err) {
      return { ok: false, entry: { uri, code: -1, error: `Error communicating with upstream service: ${(err as Error).message}` } };
    }
  }
}
