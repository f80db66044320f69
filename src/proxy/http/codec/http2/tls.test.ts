// Tests both HTTP/2 codecs over TLS sockets that negotiated h2 by ALPN: curl against the server codec,
// the client codec against node's secure HTTP/2 server. The certificate is made by openssl per run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { HeaderMap, type RequestHead, type ResponseHead } from '../../headers.js';
import type { RequestDecoder, ResponseDecoder, ResponseEncoder, StreamResetReason } from '../types.js';
import { createHttp2ClientConnection, createHttp2ServerConnection } from './index.js';

let dir = '';
let key: Buffer;
let cert: Buffer;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-h2tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'],
  { stdio: 'ignore' });
  key = readFileSync(join(dir, 'key.pem'));
  cert = readFileSync(join(dir, 'cert.pem'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Answers with the scheme and path it saw, then a trailer. */
class SchemeEcho implements RequestDecoder {
  private head: RequestHead | null = null;

  constructor(private readonly enc: ResponseEncoder) {}

  decodeHeaders(head: RequestHead, endStream: boolean): void {
    this.head = head;
    if (endStream) this.respond();
  }

  decodeData(_chunk: Buffer, endStream: boolean): void {
    if (endStream) this.respond();
  }

  decodeTrailers(): void {
    this.respond();
  }

  onResetStream(): void {}

  private respond(): void {
    this.enc.encodeHeaders({ status: 200, headers: new HeaderMap() }, false);
    this.enc.encodeData(Buffer.from(`${this.head!.scheme} ${this.head!.path} ${this.enc.protocol}`), false);
    const t = new HeaderMap();
    t.add('x-trailer', 'tls');
    this.enc.encodeTrailers(t);
  }
}

test('curl --http2 over TLS (ALPN h2) against the server codec', { timeout: 10_000 }, async () => {
  const server = tls.createServer({ key, cert, ALPNProtocols: ['h2'] }, (socket) => {
    createHttp2ServerConnection(socket, null, { newStream: (enc) => new SchemeEcho(enc) },
      { tls: true, maxRequestHeadersKb: 60 });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const port = (server.address() as AddressInfo).port;
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile('curl', ['-sk', '-v', '--http2', `https://127.0.0.1:${port}/secure?a=1`], { timeout: 8000 },
        (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr })));
    });
    assert.equal(stdout, 'https /secure?a=1 HTTP/2');
    assert.match(stderr, /ALPN: server accepted h2/);
    assert.match(stderr, /< HTTP\/2 200/);
    assert.match(stderr, /< x-trailer: tls/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('the client codec over a TLS socket that negotiated h2', { timeout: 10_000 }, async () => {
  const server = http2.createSecureServer({ key, cert });
  server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200 }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(`${headers[':scheme']} ${headers[':path']}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = tls.connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', ALPNProtocols: ['h2'],
    rejectUnauthorized: false });
  const conn = createHttp2ClientConnection(socket, { onStreamComplete() {}, onGoAway() {}, onClose() {} });
  try {
    let head: ResponseHead | null = null;
    let body = '';
    const trailers = await new Promise<HeaderMap>((resolve, reject) => {
      const decoder: ResponseDecoder = {
        decodeHeaders: (h: ResponseHead) => { head = h; },
        decodeData: (c: Buffer) => { body += c.toString(); },
        decodeTrailers: resolve,
        onResetStream: (reason: StreamResetReason) => reject(new Error(reason)),
      };
      conn.newStream(decoder).encodeHeaders({ method: 'GET', path: '/over-tls', authority: 'localhost', scheme: 'https',
        protocol: 'HTTP/2', headers: new HeaderMap() }, true);
    });
    assert.equal(socket.alpnProtocol, 'h2');
    assert.equal(head!.status, 200);
    assert.equal(body, 'https /over-tls');
    assert.equal(trailers.get('grpc-status'), '0');
  } finally {
    conn.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
