// Tests for %START_TIME(...)%: strftime specifiers in UTC plus Envoy's %s and %f family.
// Times are fixed UTC instants, so the expected strings do not depend on the machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeFormat } from './time-format.js';
import { TextFormatter } from './formatter.js';
import { DOC_START_TIME, emptyInfo, setStartTime } from './test-fixtures.js';

test('default START_TIME is ISO 8601 UTC with milliseconds', () => {
  assert.equal(new TextFormatter('%START_TIME%').format(emptyInfo()), '2016-04-15T20:17:00.310Z');
});

test("Envoy's documented START_TIME examples", () => {
  const info = emptyInfo();
  const f = (fmt: string): string => new TextFormatter(fmt).format(info);
  assert.equal(f('%START_TIME(%Y/%m/%dT%H:%M:%S%z %s)%'), '2016/04/15T20:17:00+0000 1460751420');
  assert.equal(f('%START_TIME(%s.%3f)%'), '1460751420.310');
  assert.equal(f('%START_TIME(%s.%6f)%'), '1460751420.310000');
  assert.equal(f('%START_TIME(%s.%9f)%'), '1460751420.310000000');
  assert.equal(f('%START_TIME(%f)%'), '310000000');
  assert.equal(f('%START_TIME(%1f|%2f)%'), '3|31');
});

test('sub-millisecond fractions are kept when the time carries them', () => {
  const t = new TimeFormat('%S.%6f');
  assert.equal(t.format(DOC_START_TIME + 0.123), '00.310123');
});

test('other strftime specifiers', () => {
  const t = (p: string): string => new TimeFormat(p).format(Date.UTC(2024, 1, 29, 7, 5, 9, 4));
  assert.equal(t('%Y-%m-%d %H:%M:%S'), '2024-02-29 07:05:09');
  assert.equal(t('%F %T'), '2024-02-29 07:05:09');
  assert.equal(t('%a %A %b %B %h'), 'Thu Thursday Feb February Feb');
  assert.equal(t('%y %C %j %e %k %I %l %p %u %w'), '24 20 060 29  7 07  7 AM 4 4');
  assert.equal(t('%D %R %Z %Ez %%'), '02/29/24 07:05 UTC +00:00 %');
  assert.equal(t('%E3S'), '09.004');
  assert.equal(t('%Q stays'), '%Q stays');
  assert.equal(t('%c'), 'Thu Feb 29 07:05:09 2024');
});

test('cached seconds do not leak between different times', () => {
  const t = new TimeFormat('%H:%M:%S.%3f');
  assert.equal(t.format(Date.UTC(2020, 0, 1, 0, 0, 1, 5)), '00:00:01.005');
  assert.equal(t.format(Date.UTC(2020, 0, 1, 0, 0, 1, 999)), '00:00:01.999');
  assert.equal(t.format(Date.UTC(2020, 0, 1, 0, 0, 2, 0)), '00:00:02.000');
  assert.equal(t.format(Date.UTC(2020, 0, 1, 0, 0, 1, 0)), '00:00:01.000');
});

test('START_TIME follows the stream start, not the render time', () => {
  const info = emptyInfo();
  setStartTime(info, Date.UTC(1999, 11, 31, 23, 59, 59, 999));
  assert.equal(new TextFormatter('%START_TIME%').format(info), '1999-12-31T23:59:59.999Z');
});
