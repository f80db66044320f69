// Tests the ClientHello reader on real ClientHellos captured from node's TLS client on 127.0.0.1:
// SNI and ALPN, byte-by-byte arrival, a hello split over two records, plain text, the size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { HelloState, parseClientHello } from './client-hello.js';

/** The first flight a TLS client sends, as a server would read it. */
async function captureHello(opts: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const got = new Promise<Buffer>((resolve) => {
      server.once('connection', (s) => {
        let buf = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          // A record header says how long the first record is; wait for all of it.
          if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
            resolve(buf);
            s.destroy();
          }
        });
      });
    });
    const c = tls.connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', ...opts });
    c.on('error', () => {});
    const hello = await got;
    c.destroy();
    return hello;
  } finally {
    server.close();
  }
}

test('SNI (lower-cased) and the ALPN list come out of a real ClientHello', async () => {
  const hello = await captureHello({ servername: 'Shop.Example.COM', ALPNProtocols: ['h2', 'http/1.1'] });
  const r = parseClientHello(hello, 65536);
  assert.equal(r.state, HelloState.Done);
  if (r.state !== HelloState.Done) return;
  assert.equal(r.serverName, 'shop.example.com');
  assert.deepEqual(r.alpn, ['h2', 'http/1.1']);
  assert.equal(r.bytes, hello.length);
});

test('no SNI and no ALPN: a connection to an IP address', async () => {
  const hello = await captureHello({});
  const r = parseClientHello(hello, 65536);
  assert.equal(r.state, HelloState.Done);
  if (r.state !== HelloState.Done) return;
  assert.equal(r.serverName, '');
  assert.deepEqual(r.alpn, []);
});

test('bytes arriving one at a time: need more until the whole ClientHello is there', async () => {
  const hello = await captureHello({ servername: 'a.test' });
  for (let n = 1; n < hello.length; n++) {
    assert.equal(parseClientHello(hello.subarray(0, n), 65536).state, HelloState.NeedMore, `after ${n} bytes`);
  }
  assert.equal(parseClientHello(hello, 65536).state, HelloState.Done);
});

test('a ClientHello split over two handshake records is reassembled', async () => {
  const hello = await captureHello({ servername: 'split.test', ALPNProtocols: ['h2'] });
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const cut = 40;
  const record = (b: Buffer): Buffer => Buffer.concat([Buffer.from([22, 3, 1, b.length >> 8, b.length & 255]), b]);
  const two = Buffer.concat([record(body.subarray(0, cut)), record(body.subarray(cut))]);
  assert.equal(parseClientHello(two.subarray(0, 5 + cut + 3), 65536).state, HelloState.NeedMore);
  const r = parseClientHello(two, 65536);
  assert.equal(r.state, HelloState.Done);
  if (r.state === HelloState.Done) {
    assert.equal(r.serverName, 'split.test');
    assert.deepEqual(r.alpn, ['h2']);
  }
});

test('plain text is not TLS from the first byte; a bad record version or handshake type neither', () => {
  assert.equal(parseClientHello(Buffer.from('G'), 65536).state, HelloState.NotTls);
  assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 65536).state, HelloState.NotTls);
  assert.equal(parseClientHello(Buffer.from([22, 9]), 65536).state, HelloState.NotTls);
  // A handshake record holding a ServerHello (type 2).
  assert.equal(parseClientHello(Buffer.from([22, 3, 1, 0, 4, 2, 0, 0, 0]), 65536).state, HelloState.NotTls);
  // A ClientHello whose cipher list is cut short inside its own length.
  assert.equal(parseClientHello(Buffer.from([22, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0]), 65536).state, HelloState.NotTls);
});

test('a ClientHello still incomplete at the size limit is too large', () => {
  // A record announcing a 16 KiB handshake message of which only part arrived.
  const partial = Buffer.concat([Buffer.from([22, 3, 1, 0x40, 0]), Buffer.from([1, 0, 0x3f, 0xfc]), Buffer.alloc(100)]);
  assert.equal(parseClientHello(partial, 65536).state, HelloState.NeedMore);
  assert.equal(parseClientHello(partial, 64).state, HelloState.TooLarge);
});
