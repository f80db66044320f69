// Debouncing on a fake clock: a quiet period merges a burst into one push, debounceMax caps a
// never-quiet stream, merging keeps full/EDS and reasons, and pushes never overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Debouncer, type DebounceOptions } from './debounce.js';
import { pushRequest, type PushRequest } from './push-request.js';

/** A fake clock with timers that fire when time is advanced. */
function fakeClock(): { opts: Pick<DebounceOptions, 'now' | 'setTimer' | 'clearTimer'>; advance(ms: number): Promise<void> } {
  let t = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  return {
    opts: {
      now: () => t,
      setTimer: (fn, ms) => { const id = ++ids; timers.push({ at: t + ms, fn, id }); return id; },
      clearTimer: (id) => { timers = timers.filter((x) => x.id !== id); },
    },
    async advance(ms: number): Promise<void> {
      const end = t + ms;
      // Let pending promise callbacks (a push finishing) arm their timers first.
      await new Promise((r) => setImmediate(r));
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (next === undefined || next.at > end) break;
        timers.shift();
        t = next.at;
        next.fn();
        await new Promise((r) => setImmediate(r));
      }
      t = end;
    },
  };
}

test('a burst within the quiet period becomes one merged push, 100 ms after the last change', async () => {
  const clock = fakeClock();
  const pushes: { req: PushRequest; at: number; events: number; delayMs: number }[] = [];
  const d = new Debouncer((req, info) => { pushes.push({ req, at: clock.opts.now!(), ...info }); }, clock.opts);
  d.enqueue(pushRequest(false, 'endpoint', ['Service/ns/a'], 0));
  await clock.advance(50);
  d.enqueue(pushRequest(true, 'config', ['VirtualService/ns/vs'], 50));
  await clock.advance(60);
  assert.equal(pushes.length, 0, 'quiet for only 60 ms');
  await clock.advance(40);
  assert.equal(pushes.length, 1);
  const p = pushes[0];
  assert.equal(p.at, 150);
  assert.equal(p.req.full, true, 'a full request makes the merge full');
  assert.deepEqual([...p.req.configsUpdated].sort(), ['Service/ns/a', 'VirtualService/ns/vs']);
  assert.deepEqual(Object.fromEntries(p.req.reasons), { endpoint: 1, config: 1 });
  assert.equal(p.req.start, 0);
  assert.equal(p.events, 2);
  assert.equal(p.delayMs, 150);
});

test('a change every 50 ms forever is still pushed after debounceMax', async () => {
  const clock = fakeClock();
  const at: number[] = [];
  const d = new Debouncer(() => { at.push(clock.opts.now!()); }, { ...clock.opts, debounceAfter: 100, debounceMax: 1000 });
  for (let i = 0; i < 30; i++) {
    d.enqueue(pushRequest(true, 'config', [`K/ns/${i}`], i * 50));
    await clock.advance(50);
  }
  assert.deepEqual(at, [1000]);
  d.close();
});

test('changes during a running push wait for it, then go as one more push', async () => {
  const clock = fakeClock();
  let release!: () => void;
  const log: string[] = [];
  const d = new Debouncer(async (req) => {
    log.push(`start ${[...req.configsUpdated].join(',')}`);
    if (log.length === 1) await new Promise<void>((r) => { release = r; });
    log.push('end');
  }, clock.opts);
  d.enqueue(pushRequest(true, 'config', ['a'], 0));
  await clock.advance(100);
  assert.deepEqual(log, ['start a']);
  d.enqueue(pushRequest(true, 'config', ['b'], 100));
  d.enqueue(pushRequest(false, 'endpoint', ['c'], 100));
  await clock.advance(500);
  assert.deepEqual(log, ['start a'], 'the second push waits for the first');
  release();
  await clock.advance(1);
  assert.deepEqual(log, ['start a', 'end', 'start b,c', 'end']);
});

test('with edsDebounce off an endpoint-only change pushes at once; close() drops what is pending', async () => {
  const clock = fakeClock();
  const got: boolean[] = [];
  const d = new Debouncer((req) => { got.push(req.full); }, { ...clock.opts, edsDebounce: false });
  d.enqueue(pushRequest(false, 'endpoint', ['a'], 0));
  await clock.advance(0);
  assert.deepEqual(got, [false]);
  d.enqueue(pushRequest(true, 'config', ['b'], 0));
  d.close();
  await clock.advance(1000);
  assert.deepEqual(got, [false]);
});
