// Tests of the forum sample: LOCAL_USERS, the users call to jsonplaceholder through an explicit
// proxy (to the local stand-in) with x-* headers forwarded, and its failure body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startForum } from './main.js';
import { startJsonplaceholder } from './jsonplaceholder.js';
import { httpCall } from '../lib/upstream-client.js';
import { startTestProxy } from '../lib/test-proxy.js';

const quiet = (): void => {};

test('LOCAL_USERS=true: ten jsonplaceholder users without calling out; /api/healthz 200', async () => {
  const forum = await startForum({ host: '127.0.0.1', port: 0, env: { LOCAL_USERS: 'true' }, log: quiet });
  try {
    const r = await httpCall({ url: `http://127.0.0.1:${forum.port}/api/users` }, {});
    assert.equal(r.status, 200);
    const users = JSON.parse(r.body.toString()) as { id: number; name: string; username: string; email: string }[];
    assert.equal(users.length, 10);
    assert.deepEqual(users.map((u) => u.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual({ ...users[0]!, address: undefined, company: undefined, phone: undefined, website: undefined },
      { id: 1, name: 'Leanne Graham', username: 'Bret', email: 'Sincere@april.biz',
        address: undefined, company: undefined, phone: undefined, website: undefined });
    assert.equal((await httpCall({ url: `http://127.0.0.1:${forum.port}/api/healthz` }, {})).status, 200);
  } finally {
    await forum.close();
  }
});

test('without LOCAL_USERS: GET http://jsonplaceholder.typicode.com/users via the proxy, x-* forwarded', async () => {
  const placeholder = await startJsonplaceholder({ host: '127.0.0.1', port: 0, log: quiet });
  const proxy = await startTestProxy({ 'jsonplaceholder.typicode.com': placeholder.port });
  const forum = await startForum({ host: '127.0.0.1', port: 0, log: quiet, env: { HTTP_PROXY: `http://127.0.0.1:${proxy.port}` } });
  try {
    const r = await httpCall({ url: `http://127.0.0.1:${forum.port}/api/users`, headers: { 'x-b3-traceid': 'abc', cookie: 'x' } }, {});
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body.toString()) as unknown[]).length, 10);
    assert.equal(proxy.seen[0]!.url, 'http://jsonplaceholder.typicode.com/users');
    assert.equal(proxy.seen[0]!.headers['x-b3-traceid'], 'abc');
    assert.equal(proxy.seen[0]!.headers.cookie, undefined);
  } finally {
    await Promise.all([forum.close(), proxy.close(), placeholder.close()]);
  }
});

test('an unreachable or failing users service: 500 "error calling Users service"', async () => {
  const proxy = await startTestProxy({});
  const forum = await startForum({ host: '127.0.0.1', port: 0, log: quiet, env: { HTTP_PROXY: `http://127.0.0.1:${proxy.port}` } });
  try {
    const r = await httpCall({ url: `http://127.0.0.1:${forum.port}/api/users` }, {});
    assert.equal(r.status, 500);
    assert.equal(r.body.toString(), 'error calling Users service\n');
  } finally {
    await Promise.all([forum.close(), proxy.close()]);
  }
});
