// Composition test: the HTTP/2 server codec relays into the HTTP/2 client codec (h2 downstream to h2
// upstream), proving gRPC's headers + data + trailers, trailers-only errors and large bodies pass through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { HeaderMap, RequestHead, ResponseHead } from '../../headers.js';
import type { ClientConnection, ClientConnectionCallbacks, RequestDecoder, RequestEncoder, ResponseDecoder,
  ResponseEncoder, ServerConnectionCallbacks, StreamResetReason } from '../types.js';
import { createHttp2ClientConnection, createHttp2ServerConnection } from './index.js';

/** Every test ends by itself well within this. */
const LIMIT = { timeout: 10_000 };

/** The downstream half of one relayed exchange: request events go upstream. */
class DownstreamSide implements RequestDecoder {
  upstream!: RequestEncoder;

  constructor(private readonly relay: Relay, private readonly downstream: ResponseEncoder) {}

  decodeHeaders(head: RequestHead, endStream: boolean): void {
    const up = new UpstreamSide(this.downstream);
    this.upstream = this.relay.upstreamConnection().newStream(up);
    up.upstream = this.upstream;
    // Back-pressure both ways, as the router does.
    this.downstream.setWatermarkListener({
      onAboveWriteBufferHighWatermark: () => this.upstream.readDisable(true),
      onBelowWriteBufferLowWatermark: () => this.upstream.readDisable(false),
    });
    this.upstream.setWatermarkListener({
      onAboveWriteBufferHighWatermark: () => this.downstream.readDisable(true),
      onBelowWriteBufferLowWatermark: () => this.downstream.readDisable(false),
    });
    this.upstream.encodeHeaders(head, endStream);
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    this.upstream.encodeData(chunk, endStream);
  }

  decodeTrailers(trailers: HeaderMap): void {
    this.upstream.encodeTrailers(trailers);
  }

  onResetStream(): void {
    this.upstream?.resetStream();
  }
}

/** The upstream half: response events go downstream. */
class UpstreamSide implements ResponseDecoder {
  upstream!: RequestEncoder;

  constructor(private readonly downstream: ResponseEncoder) {}

  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    this.downstream.encodeHeaders(head, endStream);
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    this.downstream.encodeData(chunk, endStream);
  }

  decodeTrailers(trailers: HeaderMap): void {
    this.downstream.encodeTrailers(trailers);
  }

  onResetStream(reason: StreamResetReason): void {
    this.downstream.resetStream(reason);
  }
}

/** A minimal h2 -> h2 proxy: one upstream connection shared by every downstream stream. */
class Relay implements ServerConnectionCallbacks, ClientConnectionCallbacks {
  readonly server: net.Server;
  private upstream: ClientConnection | null = null;
  readonly sockets = new Set<net.Socket>();

  constructor(private readonly upstreamPort: number) {
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      createHttp2ServerConnection(socket, null, this, { tls: false, maxRequestHeadersKb: 60 });
    });
  }

  upstreamConnection(): ClientConnection {
    if (this.upstream === null || !this.upstream.canStream) {
      const socket = net.connect(this.upstreamPort, '127.0.0.1');
      this.sockets.add(socket);
      this.upstream = createHttp2ClientConnection(socket, this);
    }
    return this.upstream;
  }

  newStream(encoder: ResponseEncoder): RequestDecoder {
    return new DownstreamSide(this, encoder);
  }

  onStreamComplete(): void {}
  onGoAway(): void {}
  onClose(conn: ClientConnection): void {
    if (this.upstream === conn) this.upstream = null;
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    this.upstream?.close();
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const identity = (b: Buffer): Buffer => b;
const SERVICE: grpc.ServiceDefinition = {
  echo: { path: '/strait.test.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: identity,
    requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  fail: { path: '/strait.test.Echo/Fail', requestStream: false, responseStream: false, requestSerialize: identity,
    requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  count: { path: '/strait.test.Echo/Count', requestStream: false, responseStream: true, requestSerialize: identity,
    requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

test('gRPC through server codec -> client codec: unary, trailers-only error, server streaming', LIMIT, async () => {
  const server = new grpc.Server();
  server.addService(SERVICE, {
    echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const trailer = new grpc.Metadata();
      trailer.set('x-trailer', `saw-${call.metadata.get('x-client')[0]}`);
      cb(null, Buffer.concat([Buffer.from('echo:'), call.request]), trailer);
    },
    fail: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      cb({ code: grpc.status.NOT_FOUND, details: 'no such thing' });
    },
    count: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      for (let i = 0; i < 50; i++) call.write(Buffer.from(`n${i}`));
      call.end();
    },
  });
  const upstreamPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
  const relay = new Relay(upstreamPort);
  const port = await relay.listen();
  const Client = grpc.makeGenericClientConstructor(SERVICE, 'Echo');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, Function>;
  try {
    const md = new grpc.Metadata();
    md.set('x-client', 'c1');
    const statusMeta = new Promise<grpc.StatusObject>((resolve) => {
      const call = client.echo(Buffer.from('ping'), md, (err: Error | null) => assert.equal(err, null));
      call.on('status', resolve);
    });
    const status = await statusMeta;
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(status.metadata.get('x-trailer'), ['saw-c1']);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      client.echo(Buffer.from('hello'), (err: Error | null, res: Buffer) => (err ? reject(err) : resolve(res)));
    });
    assert.equal(reply.toString(), 'echo:hello');

    const failure = await new Promise<grpc.ServiceError>((resolve) => {
      client.fail(Buffer.from('x'), (err: grpc.ServiceError) => resolve(err));
    });
    assert.equal(failure.code, grpc.status.NOT_FOUND);
    assert.equal(failure.details, 'no such thing');

    const got: string[] = [];
    const stream = client.count(Buffer.from('go')) as grpc.ClientReadableStream<Buffer>;
    stream.on('data', (b: Buffer) => got.push(b.toString()));
    const [end] = await once(stream, 'status') as [grpc.StatusObject];
    assert.equal(end.code, grpc.status.OK);
    assert.equal(got.length, 50);
    assert.equal(got[49], 'n49');
  } finally {
    (client as unknown as grpc.Client).close();
    await relay.close();
    server.forceShutdown();
  }
});

test('exact trailers, request trailers and an 8 MiB body pass through both codecs', LIMIT, async () => {
  const upstream = http2.createServer();
  const upSockets: net.Socket[] = [];
  upstream.on('connection', (s: net.Socket) => upSockets.push(s));
  upstream.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    if (headers[':path'] === '/big') {
      const hash = createHash('sha256');
      stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' }, { waitForTrailers: true });
      const chunk = Buffer.alloc(32 * 1024);
      let sent = 0;
      const total = 8 * 1024 * 1024;
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-sha256': hash.digest('hex') }));
      const pump = (): void => {
        while (sent < total) {
          chunk.fill(sent % 251);
          hash.update(chunk);
          sent += chunk.length;
          if (!stream.write(Buffer.from(chunk))) {
            stream.once('drain', pump);
            return;
          }
        }
        stream.end();
      };
      pump();
      return;
    }
    let body = '';
    let reqTrailers: http2.IncomingHttpHeaders = {};
    stream.on('data', (c: Buffer) => { body += c.toString(); });
    stream.on('trailers', (t) => { reqTrailers = t; });
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': `got ${body} ${reqTrailers['x-req'] ?? ''}` }));
      stream.end(Buffer.from([0, 0, 0, 0, 1, 0x2a]));
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const relay = new Relay((upstream.address() as net.AddressInfo).port);
  const port = await relay.listen();
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const req = session.request({ ':method': 'POST', ':path': '/rpc', 'content-type': 'application/grpc', te: 'trailers' },
      { waitForTrailers: true });
    req.on('wantTrailers', () => req.sendTrailers({ 'x-req': 'tr' }));
    req.end('abc');
    const [head] = await once(req, 'response') as [http2.IncomingHttpHeaders];
    assert.equal(head[':status'], 200);
    assert.equal(head['content-type'], 'application/grpc');
    const data: Buffer[] = [];
    req.on('data', (c: Buffer) => data.push(c));
    const [trailers] = await once(req, 'trailers') as [http2.IncomingHttpHeaders];
    assert.deepEqual(Buffer.concat(data), Buffer.from([0, 0, 0, 0, 1, 0x2a]));
    assert.equal(trailers['grpc-status'], '0');
    assert.equal(trailers['grpc-message'], 'got abc tr');

    const big = session.request({ ':path': '/big' });
    const hash = createHash('sha256');
    let bytes = 0;
    big.on('data', (c: Buffer) => { bytes += c.length; hash.update(c); });
    const ended = once(big, 'end');
    const [bigTrailers] = await once(big, 'trailers') as [http2.IncomingHttpHeaders];
    await ended;
    assert.equal(bytes, 8 * 1024 * 1024);
    assert.equal(bigTrailers['x-sha256'], hash.digest('hex'));
  } finally {
    session.destroy();
    await relay.close();
    for (const s of upSockets) s.destroy();
    await new Promise((resolve) => upstream.close(resolve));
  }
});
