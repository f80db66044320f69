// The two HTTP/1 codecs composed into a tiny proxy (server codec -> client codec -> node:http echo
// upstream): a 20 MB body streams through both ways under back-pressure without being buffered whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { HeaderMap, RequestHead, ResponseHead } from '../../headers.js';
import type { ClientConnection, RequestDecoder, RequestEncoder, ResponseDecoder, ResponseEncoder,
  ServerConnectionCallbacks, StreamResetReason, WatermarkListener } from '../types.js';
import { createHttp1ClientConnection, createHttp1ServerConnection } from './index.js';

const TOTAL = 20 * 1024 * 1024;

/** Counts watermark crossings and pauses the other side's reads, as the router does. */
class Pauser implements WatermarkListener {
  above = 0;
  target: { readDisable(disable: boolean): void } | null = null;
  onAboveWriteBufferHighWatermark(): void {
    this.above++;
    this.target?.readDisable(true);
  }
  onBelowWriteBufferLowWatermark(): void {
    this.target?.readDisable(false);
  }
}

/** The upstream half of one proxied exchange: the response goes back downstream. */
class UpstreamSide implements ResponseDecoder {
  readonly slow = new Pauser();

  constructor(private readonly down: ResponseEncoder, private readonly stats: { upAbove: number; downAbove: number },
    private readonly upSlow: Pauser) {}

  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    this.down.setWatermarkListener(this.slow);
    this.down.encodeHeaders(head, endStream);
    if (endStream) this.report();
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    this.down.encodeData(chunk, endStream);
    if (endStream) this.report();
  }

  decodeTrailers(trailers: HeaderMap): void {
    this.down.encodeTrailers(trailers);
    this.report();
  }

  onResetStream(): void {
    this.down.resetStream('remote reset');
  }

  private report(): void {
    this.stats.upAbove += this.upSlow.above;
    this.stats.downAbove += this.slow.above;
  }
}

/** The downstream half: the request goes to a fresh upstream stream; each side's slowness pauses the other. */
class DownstreamSide implements RequestDecoder {
  private up: RequestEncoder | null = null;

  constructor(private readonly down: ResponseEncoder, private readonly upstream: ClientConnection,
    private readonly stats: { upAbove: number; downAbove: number }) {}

  decodeHeaders(head: RequestHead, endStream: boolean): void {
    const upSlow = new Pauser();
    const response = new UpstreamSide(this.down, this.stats, upSlow);
    const up = this.upstream.newStream(response);
    this.up = up;
    upSlow.target = this.down;
    response.slow.target = up;
    up.setWatermarkListener(upSlow);
    up.encodeHeaders(head, endStream);
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    this.up!.encodeData(chunk, endStream);
  }

  decodeTrailers(trailers: HeaderMap): void {
    this.up!.encodeTrailers(trailers);
  }

  onResetStream(_reason: StreamResetReason): void {
    this.up?.resetStream();
  }
}

test('a 20 MB body streams through server codec -> client codec under back-pressure', async () => {
  // Upstream: node:http echo with its own back-pressure (pipe), which stalls for 300 ms before reading.
  const upstreamServer = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    req.pause();
    setTimeout(() => req.pipe(res), 300);
  });
  upstreamServer.listen(0, '127.0.0.1');
  await once(upstreamServer, 'listening');
  const upPort = (upstreamServer.address() as net.AddressInfo).port;

  const stats = { upAbove: 0, downAbove: 0 };
  const sockets: net.Socket[] = [];
  let maxBuffered = 0;
  const proxy = net.createServer(async (downSock) => {
    const upSock = net.connect(upPort, '127.0.0.1');
    sockets.push(downSock, upSock);
    await once(upSock, 'connect');
    const upstream = createHttp1ClientConnection(upSock, {
      onStreamComplete: () => {}, onGoAway: () => {}, onClose: () => {},
    });
    const callbacks: ServerConnectionCallbacks = {
      newStream: (encoder) => new DownstreamSide(encoder, upstream, stats),
    };
    createHttp1ServerConnection(downSock, null, callbacks, { tls: false, maxRequestHeadersKb: 60 });
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const proxyPort = (proxy.address() as net.AddressInfo).port;
  const sampler = setInterval(() => {
    for (const s of sockets) maxBuffered = Math.max(maxBuffered, s.writableLength);
  }, 2);

  try {
    const sent = createHash('sha256');
    const received = createHash('sha256');
    let receivedBytes = 0;
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ port: proxyPort, host: '127.0.0.1', method: 'POST', path: '/echo', agent: false },
        (res) => {
          assert.equal(res.statusCode, 200);
          assert.equal(res.headers['transfer-encoding'], 'chunked');
          // A slow reader: a 300 ms stall at the first bytes, then 40 ms per MiB read.
          let sincePause = 1024 * 1024;
          let first = true;
          res.on('data', (c: Buffer) => {
            received.update(c);
            receivedBytes += c.length;
            sincePause += c.length;
            if (sincePause >= 1024 * 1024) {
              sincePause = 0;
              res.pause();
              setTimeout(() => res.resume(), first ? 300 : 40);
              first = false;
            }
          });
          res.on('end', resolve);
          res.on('error', reject);
        });
      req.on('error', reject);
      const block = Buffer.alloc(64 * 1024);
      let written = 0;
      const pump = (): void => {
        while (written < TOTAL) {
          block.fill(written & 0xff);
          const piece = Buffer.from(block);
          sent.update(piece);
          written += piece.length;
          if (!req.write(piece)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    assert.equal(receivedBytes, TOTAL);
    assert.equal(received.digest('hex'), sent.digest('hex'));
    assert.ok(stats.downAbove >= 1, 'the slow client pushed the downstream write buffer over its high watermark');
    assert.ok(stats.upAbove >= 1, 'the stalled upstream pushed the upstream write buffer over its high watermark');
    assert.ok(maxBuffered < 3 * 1024 * 1024, `at most ${maxBuffered} bytes were queued on a proxy socket`);
  } finally {
    clearInterval(sampler);
    for (const s of sockets) s.destroy();
    proxy.close();
    upstreamServer.close();
  }
});
