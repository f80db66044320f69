// Fuzz target (a): request streams written in random pieces to a real `strait proxy` (HTTP/1 codec,
// connection manager, router to an echo upstream) on loopback; answers must be well-formed HTTP/1.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import fc from 'fast-check';
import { bootstrapYaml, simpleRoutes } from '../lib/config.js';
import { startEchoUpstream, type Echo, type EchoUpstream } from '../lib/echo-upstream.js';
import { startProxy, type RunningProxy } from '../lib/proxy-process.js';
import { applyByteEdits, type ByteEdit } from './byte-mutation.js';
import { requestBytes, requestEdit, splitAt, splits, targetOf, validRequest, type ValidRequest } from './http1-requests.js';
import { readResponses, type WireResponse } from './http1-responses.js';
import type { FuzzSession, FuzzTarget } from './runner.js';

/** No byte for this long after the last write: the proxy has said what it will say. */
const QUIET_MS = 40;
/** After the client's FIN the proxy must close within this (Envoy's delayed close is 1 s). */
const CLOSE_LIMIT_MS = 5000;
/** How long the split-valid target waits for its responses. */
const ANSWER_LIMIT_MS = 5000;

interface Exchange {
  data: Buffer;
  /** The proxy closed the connection before the client ended its side. */
  closedByServer: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Writes `pieces` (a millisecond apart, so they arrive as separate reads), collects the answer until
 * `enough` says so, the proxy closes, or (without `enough`) it stays quiet; then ends the client side
 * and requires the proxy to close too.
 */
async function exchange(port: number, pieces: readonly Buffer[], enough: ((data: Buffer) => boolean) | null, limitMs: number): Promise<Exchange> {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  const parts: Buffer[] = [];
  let last = performance.now();
  let closed = false;
  sock.on('data', (d: Buffer) => { parts.push(d); last = performance.now(); });
  sock.on('error', () => {});
  const closing = once(sock, 'close').then(() => { closed = true; });
  await Promise.race([once(sock, 'connect'), closing]);
  if (closed) throw new Error('the proxy refused the connection');
  for (const p of pieces) {
    if (closed) break;
    await new Promise<void>((r) => sock.write(p, () => r()));
    last = performance.now();
    await sleep(1);
  }
  const deadline = performance.now() + limitMs;
  const waiting = (): boolean => (enough === null ? performance.now() - last < QUIET_MS : !enough(Buffer.concat(parts)));
  while (!closed && waiting() && performance.now() < deadline) await sleep(5);
  const closedByServer = closed;
  if (!closed) {
    sock.end();
    const timer = setTimeout(() => sock.destroy(), CLOSE_LIMIT_MS);
    const t0 = performance.now();
    await closing;
    clearTimeout(timer);
    if (performance.now() - t0 >= CLOSE_LIMIT_MS) throw new Error(`the proxy kept the connection open ${CLOSE_LIMIT_MS} ms after the client closed its side`);
  }
  return { data: Buffer.concat(parts), closedByServer };
}

/** Statuses the proxy itself may answer with (an upstream's own answer carries x-upstream and is not judged). */
function proxyMayAnswer(status: number): boolean {
  return status < 500 || status === 501 || status === 502 || status === 503 || status === 504;
}

/** A proxy with one HTTP/1 listener: /direct answers itself, the rest goes to an echo upstream. */
class ProxySession<T> implements FuzzSession<T> {
  private seenErrors = 0;
  /** What the cases got (statuses, closes), for the summary. */
  private readonly counts = new Map<string, number>();

  private constructor(readonly proxy: RunningProxy, readonly port: number, private readonly echo: EchoUpstream,
    private readonly run: (s: ProxySession<T>, input: T) => Promise<void>) {}

  static async start<T>(run: (s: ProxySession<T>, input: T) => Promise<void>): Promise<ProxySession<T>> {
    const echo = await startEchoUpstream('echo');
    const yaml = bootstrapYaml({
      listenerName: 'fuzz',
      routeConfig: simpleRoutes([
        { match: { prefix: '/direct' }, direct_response: { status: 200, body: { inline_string: 'direct' } } },
        { match: { prefix: '/' }, route: { cluster: 'echo', timeout: '5s' } },
      ]),
      clusters: [{ name: 'echo', ports: [echo.port] }],
      hcm: { codec_type: 'HTTP1' },
    });
    const proxy = await startProxy(yaml);
    return new ProxySession(proxy, await proxy.listenerPort('fuzz'), echo, run);
  }

  count(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }

  async check(input: T): Promise<void> {
    await this.run(this, input);
    this.assertHealthy();
    // Still serving: a plain request on a new connection is answered.
    const r = await exchange(this.port, [Buffer.from('GET /direct/probe HTTP/1.1\r\nHost: a\r\n\r\n')],
      (d) => readResponses(d).responses.length > 0, ANSWER_LIMIT_MS);
    assert.equal(readResponses(r.data).responses[0]?.status, 200, 'the proxy still answers a plain request');
  }

  /** The process is up and has logged no error (a handler exception the codec caught is logged as one). */
  assertHealthy(): void {
    const out = this.proxy.output();
    assert.equal(this.proxy.child.exitCode, null, `the proxy exited:\n${out.slice(-3000)}`);
    const errors = out.split('\n').filter((l) => /\]\[(error|critical)\]\[/.test(l));
    if (errors.length > this.seenErrors) {
      const fresh = errors.slice(this.seenErrors);
      this.seenErrors = errors.length;
      assert.fail(`the proxy logged errors:\n${fresh.join('\n').slice(0, 3000)}`);
    }
  }

  summary(): string {
    return [...this.counts.entries()].sort().map(([k, v]) => `${k}: ${v}`).join(', ');
  }

  async stop(): Promise<void> {
    await this.proxy.stop();
    await this.echo.close();
  }
}

/** Valid requests, pipelined on one connection and cut into random pieces. */
export interface SplitCase { requests: ValidRequest[]; splits: number[] }

async function runSplit(s: ProxySession<SplitCase>, c: SplitCase): Promise<void> {
  const data = Buffer.concat(c.requests.map((r, i) => requestBytes(r, i === c.requests.length - 1)));
  const n = c.requests.length;
  const r = await exchange(s.port, splitAt(data, c.splits), (d) => {
    try {
      return readResponses(d).responses.length >= n;
    } catch {
      return true; // malformed: judged below
    }
  }, ANSWER_LIMIT_MS);
  const { responses } = readResponses(r.data);
  const answered = responses.length;
  if (answered < n) {
    // As Envoy: a response complete before its request (a direct answer to a request with a body)
    // resets the stream, which closes an HTTP/1 connection; the requests behind it go unanswered.
    const early = answered > 0 && c.requests[answered - 1]!.route === 'direct' && c.requests[answered - 1]!.body !== null;
    assert.ok(early && r.closedByServer, `${n} requests, ${answered} responses: ${r.data.toString('latin1').slice(0, 500)}`);
    s.count('closed after an early direct answer');
  }
  responses.forEach((res, i) => checkEcho(c.requests[i]!, res));
  s.count(`${n} request(s)`);
}

/** The response answers exactly this request (the echo upstream reports what reached it). */
function checkEcho(req: ValidRequest, res: WireResponse): void {
  assert.equal(res.status, 200, `status of ${req.method} ${targetOf(req)}: ${res.body.toString('latin1').slice(0, 300)}`);
  if (req.route === 'direct') {
    assert.equal(res.body.toString(), 'direct');
    return;
  }
  const e = JSON.parse(res.body.toString()) as Echo;
  assert.equal(e.method, req.method);
  assert.equal(e.url, targetOf(req));
  assert.equal(e.bodyBytes, req.body?.length ?? 0, 'the whole body reached the upstream');
  for (const [name, value] of req.headers) assert.equal(e.headers[name.toLowerCase()], value, `header ${name}`);
}

/**
 * Found by this target: the second request's head and the start of its body arrive while the first is
 * answered, the rest of its body later; the codec never read again and the request waited 5 minutes
 * (the stream idle timeout).
 */
const QUEUED_BODY_CASE: SplitCase = {
  requests: [
    { method: 'GET', route: 'echo', path: '/a', headers: [['X-F-a', 'r']], body: Uint8Array.from([64, 182, 144, 235, 123]), chunks: [327],
      trailers: [] },
    { method: 'PUT', route: 'echo', path: '/b', headers: [], body: Uint8Array.from([]), chunks: [361], trailers: [['X-F-v', '~']] },
  ],
  splits: [80, 190],
};

export function http1SplitTarget(): FuzzTarget<SplitCase> {
  return {
    name: 'http1-split-valid',
    property: 'valid pipelined requests cut at random points each get their own 200, in order, with method, path, headers and body intact',
    arbitrary: fc.record({ requests: fc.array(validRequest, { minLength: 1, maxLength: 3 }), splits }),
    examples: [QUEUED_BODY_CASE],
    caseTimeoutMs: 15_000,
    start: () => ProxySession.start(runSplit),
  };
}

/** Valid requests with bytes changed, or random bytes, cut into random pieces. */
export interface MutatedCase { requests: ValidRequest[]; edits: ByteEdit[]; garbage: Uint8Array | null; splits: number[] }

export function mutatedBytes(c: MutatedCase): Buffer {
  if (c.garbage !== null) return Buffer.from(c.garbage);
  return Buffer.from(applyByteEdits(Buffer.concat(c.requests.map((r) => requestBytes(r))), c.edits));
}

async function runMutated(s: ProxySession<MutatedCase>, c: MutatedCase): Promise<void> {
  const data = mutatedBytes(c);
  const r = await exchange(s.port, splitAt(data, c.splits), null, ANSWER_LIMIT_MS);
  const { responses, truncated } = readResponses(r.data, data.includes('HEAD'));
  const closing = responses.findIndex((res) => res.headers.get('connection')?.toLowerCase() === 'close');
  assert.ok(closing === -1 || closing === responses.length - 1, 'nothing follows a response that said connection: close');
  for (const res of responses) {
    if (res.headers.get('x-upstream') !== undefined) continue;
    assert.ok(proxyMayAnswer(res.status), `the proxy answered ${res.status}: ${res.body.toString('latin1').slice(0, 300)}`);
    s.count(String(res.status));
  }
  if (responses.length === 0) s.count(r.closedByServer ? 'closed, no answer' : 'no answer');
  if (truncated) s.count('cut short');
}

export function http1MutatedTarget(): FuzzTarget<MutatedCase> {
  return {
    name: 'http1-mutated',
    property: 'mutated or random request bytes cut at random points get well-formed responses (proxy statuses 1xx-4xx, 501-504) or a close; the proxy closes after the client does, logs no error and keeps serving',
    arbitrary: fc.record({
      requests: fc.array(validRequest, { minLength: 1, maxLength: 2 }),
      edits: fc.array(requestEdit, { minLength: 1, maxLength: 4 }),
      garbage: fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, fc.uint8Array({ minLength: 1, maxLength: 600 })),
      splits,
    }),
    caseTimeoutMs: 15_000,
    start: () => ProxySession.start(runMutated),
  };
}
