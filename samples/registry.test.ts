// Tests of the image -> sample table: name normalisation, every book image SAMPLES.md covers is in
// it (read from the corpus), and a sample started through it answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeImageName, sampleForImage, SAMPLE_IMAGES } from './registry.js';
import { httpCall } from './lib/upstream-client.js';
import { BOOK_DIR } from './book-corpus.js';

const book = BOOK_DIR;

/** Every `image:` value in the book's YAML files. */
function bookImages(): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e)) {
        for (const m of readFileSync(p, 'utf8').matchAll(/^\s*-?\s*image:\s*"?([^\s"#]+)"?\s*$/gm)) out.add(m[1]!);
      }
    }
  };
  walk(book);
  return out;
}

test('image names match without registry, library/, tag or digest', () => {
  assert.equal(normalizeImageName('istioinaction/catalog:latest'), 'istioinaction/catalog');
  assert.equal(normalizeImageName('docker.io/kennethreitz/httpbin'), 'kennethreitz/httpbin');
  assert.equal(normalizeImageName('registry.local:5000/cjimti/go-echo@sha256:abc'), 'cjimti/go-echo');
  assert.equal(normalizeImageName('docker.io/library/nginx:1.25'), 'nginx');
  assert.equal(sampleForImage('nicholasjackson/fake-service:v0.14.1')?.sample, 'fake-service');
  assert.equal(sampleForImage('docker.io/istio/proxyv2:1.11.0'), undefined);
});

test('ports: catalog 3000, webapp/forum 8080, httpbins 8000/80, fake-service LISTEN_ADDR or 9090, go-echo TCP_PORT', () => {
  const port = (image: string, env: Record<string, string> = {}, args: string[] = []): number =>
    sampleForImage(image)!.containerPort(env, args);
  assert.equal(port('istioinaction/catalog'), 3000);
  assert.equal(port('istioinaction/webapp'), 8080);
  assert.equal(port('istioinaction/forum'), 8080);
  assert.equal(port('citizenstig/httpbin'), 8000);
  assert.equal(port('kennethreitz/httpbin'), 80);
  assert.equal(port('nicholasjackson/fake-service'), 9090);
  assert.equal(port('nicholasjackson/fake-service', { LISTEN_ADDR: '0.0.0.0:8080' }), 8080);
  assert.equal(port('cjimti/go-echo', { TCP_PORT: '2701' }), 2701);
  assert.equal(port('hashicorp/http-echo', {}, ['-text=x']), 5678);
  assert.equal(sampleForImage('curlimages/curl')!.protocol, 'none');
});

test('every book image SAMPLES.md covers has a sample; only the proxy images have none', () => {
  const images = bookImages();
  assert.ok(images.size > 5, `read ${images.size} images from ${book}`);
  const missing = [...images].filter((i) => sampleForImage(i) === undefined).map(normalizeImageName).sort();
  assert.deepEqual([...new Set(missing)], ['auto', 'istio/proxyv2']);
  for (const i of images) {
    const s = sampleForImage(i);
    if (s !== undefined) assert.ok(Object.values(SAMPLE_IMAGES).includes(s));
  }
});

test('a sample started through the table answers (catalog v2 via env)', async () => {
  const s = await sampleForImage('istioinaction/catalog:latest')!.start({ host: '127.0.0.1', port: 0, env: { SHOW_IMAGE: 'true' }, args: [] });
  try {
    const items = JSON.parse((await httpCall({ url: `http://127.0.0.1:${s.port}/items` }, {})).body.toString()) as { imageUrl?: string }[];
    assert.equal(items[0]!.imageUrl, 'http://lorempixel.com/640/480');
  } finally {
    await s.close();
  }
});
