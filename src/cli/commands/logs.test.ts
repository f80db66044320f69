// Tests of logs --tail: kubectl's last-N-lines cut, with and without a final newline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastLines } from './logs.js';

test('--tail N keeps the last N lines; -1 keeps all, 0 none', () => {
  assert.equal(lastLines('a\nb\nc\n', 2), 'b\nc\n');
  assert.equal(lastLines('a\nb\nc', 2), 'b\nc');
  assert.equal(lastLines('a\nb\n', 5), 'a\nb\n');
  assert.equal(lastLines('a\nb\n', -1), 'a\nb\n');
  assert.equal(lastLines('a\nb\n', 0), '');
  assert.equal(lastLines('', 3), '');
});
