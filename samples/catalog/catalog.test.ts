// Tests of the catalog sample over real sockets: items v1/v2, /items/:id, POST, and the /blowup
// chaos switches (500 at a share, latency, drop) the book's chaos.sh turns on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCatalog } from './main.js';
import { httpCall, type UpstreamResponse } from '../lib/upstream-client.js';
import type { RunningServer } from '../lib/http-server.js';

async function withCatalog(env: Record<string, string>, body: (base: string, logs: string[], s: RunningServer) => Promise<void>): Promise<void> {
  const logs: string[] = [];
  const s = await startCatalog({ host: '127.0.0.1', port: 0, env, log: (l) => logs.push(l) });
  try {
    await body(`http://127.0.0.1:${s.port}`, logs, s);
  } finally {
    await s.close();
  }
}

const call = (method: string, url: string, json?: unknown): Promise<UpstreamResponse> =>
  httpCall({ method, url, headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json) }, {});
const jsonOf = (r: UpstreamResponse): unknown => JSON.parse(r.body.toString('utf8'));

test('v1 /items: the four items, no imageUrl', () => withCatalog({}, async (base) => {
  const r = await call('GET', `${base}/items`);
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /application\/json/);
  assert.deepEqual(jsonOf(r), [
    { id: 1, color: 'amber', department: 'Eyewear', name: 'Elinor Glasses', price: '282.00' },
    { id: 2, color: 'cyan', department: 'Clothing', name: 'Atlas Shirt', price: '127.00' },
    { id: 3, color: 'teal', department: 'Clothing', name: 'Small Metal Shoes', price: '232.00' },
    { id: 4, color: 'red', department: 'Watches', name: 'Red Dragon Watch', price: '232.00' },
  ]);
}));

test('v2 (SHOW_IMAGE=true): every item has imageUrl', () => withCatalog({ SHOW_IMAGE: 'true' }, async (base) => {
  const items = jsonOf(await call('GET', `${base}/items`)) as { imageUrl?: string }[];
  assert.equal(items.length, 4);
  for (const i of items) assert.equal(i.imageUrl, 'http://lorempixel.com/640/480');
}));

test('/items/:id answers the item or 404; /api/items is the same', () => withCatalog({}, async (base) => {
  const r = await call('GET', `${base}/items/2`);
  assert.equal(r.status, 200);
  assert.equal((jsonOf(r) as { name: string }).name, 'Atlas Shirt');
  assert.equal((await call('GET', `${base}/items/99`)).status, 404);
  assert.equal((jsonOf(await call('GET', `${base}/api/items`)) as unknown[]).length, 4);
}));

test('POST /items: 201, ids from 5 on, listed afterwards', () => withCatalog({}, async (base) => {
  const a = await call('POST', `${base}/items`, { color: 'blue', department: 'Sports', name: 'Basketball hoop', price: '2700.00' });
  assert.equal(a.status, 201);
  assert.equal((jsonOf(a) as { id: number }).id, 5);
  const b = await call('POST', `${base}/items`, { id: 1, name: 'x' });
  assert.equal((jsonOf(b) as { id: number }).id, 6);
  const items = jsonOf(await call('GET', `${base}/items`)) as { id: number; name: string }[];
  assert.deepEqual(items.map((i) => i.id), [1, 2, 3, 4, 5, 6]);
  assert.equal(items[4]!.name, 'Basketball hoop');
}));

test('blowup 500 at 50%: about half of 200 /items calls fail; /blowup shows it; DELETE clears it', () => withCatalog({}, async (base) => {
  const set = await call('POST', `${base}/blowup`, { active: true, type: '500', percentage: 50 });
  assert.equal(set.status, 200);
  assert.deepEqual(jsonOf(await call('GET', `${base}/blowup`)), { 500: { active: true, type: '500', percentage: 50 } });
  let failed = 0;
  for (let i = 0; i < 200; i++) {
    const r = await call('GET', `${base}/items`);
    if (r.status === 500) { failed++; assert.equal(r.body.length, 0); } else assert.equal(r.status, 200);
  }
  // Binomial(200, 0.5): sd ~7; 70..130 is more than 4 sd either side.
  assert.ok(failed >= 70 && failed <= 130, `failed ${failed} of 200`);
  const del = await call('DELETE', `${base}/blowup`, { type: '500' });
  assert.equal(del.body.toString(), 'deleted blowup 500');
  for (let i = 0; i < 20; i++) assert.equal((await call('GET', `${base}/items`)).status, 200);
}));

test('blowup only touches paths containing "items"; active:false disables it', () => withCatalog({}, async (base) => {
  await call('POST', `${base}/blowup`, { active: true, type: '500' });
  assert.equal((await call('GET', `${base}/items/1`)).status, 500);
  assert.equal((await call('GET', `${base}/blowup`)).status, 200);
  await call('POST', `${base}/blowup`, { active: false, type: '500' });
  assert.equal((await call('GET', `${base}/items/1`)).status, 200);
}));

test('blowup latency delays /items by latencyMs', () => withCatalog({}, async (base) => {
  await call('POST', `${base}/blowup`, { active: true, type: 'latency', latencyMs: 300 });
  const t0 = Date.now();
  const r = await call('GET', `${base}/items`);
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t0 >= 280, `took ${Date.now() - t0} ms`);
  const t1 = Date.now();
  await call('GET', `${base}/blowup`);
  assert.ok(Date.now() - t1 < 250);
}));

test('blowup drop closes the connection without an answer', () => withCatalog({}, async (base) => {
  await call('POST', `${base}/blowup`, { active: true, type: 'drop', percentage: 100 });
  await assert.rejects(call('GET', `${base}/items`), /socket hang up|ECONNRESET/);
}));

test('one log line per request: method host url status size time', () => withCatalog({}, async (base, logs, s) => {
  await call('GET', `${base}/items`);
  assert.match(logs[0] ?? '', new RegExp(`^GET 127\\.0\\.0\\.1:${s.port} /items 200 \\d+ - \\d+\\.\\d{3} ms$`));
}));

test('chaos.sh equivalents: "500 50" sets the blowup on every instance, "delete" removes it', async () => {
  const { parseChaosArgs, sendChaos } = await import('./chaos-client.js');
  assert.deepEqual(parseChaosArgs(['500', '50']), { action: 'set', blowup: { active: true, type: '500', percentage: 50 } });
  assert.deepEqual(parseChaosArgs(['latency', '5000']), { action: 'set', blowup: { active: true, type: 'latency', latencyMs: 5000 } });
  assert.deepEqual(parseChaosArgs(['500']), { action: 'set', blowup: { active: true, type: '500', percentage: 100 } });
  assert.deepEqual(parseChaosArgs(['500', 'delete']), { action: 'set', blowup: { active: false, type: '500' } });
  assert.throws(() => parseChaosArgs(['boom']));
  const a = await startCatalog({ host: '127.0.0.1', port: 0, log: () => {} });
  const b = await startCatalog({ host: '127.0.0.1', port: 0, log: () => {} });
  const bases = [a, b].map((s) => `http://127.0.0.1:${s.port}`);
  try {
    await sendChaos(parseChaosArgs(['500', '100']), bases);
    for (const base of bases) assert.equal((await call('GET', `${base}/items`)).status, 500);
    await sendChaos(parseChaosArgs(['delete']), bases);
    for (const base of bases) assert.equal((await call('GET', `${base}/items`)).status, 200);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
