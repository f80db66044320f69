// normalize_path and merge_slashes on sample paths: dot segments (plain and escaped), unreserved escapes,
// characters a path may not hold, backslashes, and the query left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSlashes, normalizePath } from './path-normalize.js';

test('normalize_path resolves dot segments and canonical escapes, never above the root', () => {
  const cases: [string, string][] = [
    ['/a/b/../c', '/a/c'], ['/a/./b/.', '/a/b/'], ['/../../x', '/x'], ['/a/%2e%2E/b', '/b'], ['/a/.%2e/', '/'],
    ['/%7euser/%41b', '/~user/Ab'], ['/a%2fb', '/a%2Fb'], ['/a%zz', '/a%zz'], ['/a b"c', '/a%20b%22c'], ['/é', '/%C3%A9'],
    ['/a\\b\\..\\c', '/a/c'], ['/a/../b?x=/../y&z=%41', '/b?x=/../y&z=%41'], ['/', '/'], ['/a//b', '/a//b'],
  ];
  for (const [input, want] of cases) assert.equal(normalizePath(input), want, input);
});

test('merge_slashes merges runs of slashes in the path only', () => {
  const cases: [string, string][] = [
    ['//a///b//', '/a/b/'], ['/a/b', '/a/b'], ['/a//b?x=//y', '/a/b?x=//y'], ['///', '//'],
  ];
  for (const [input, want] of cases) assert.equal(mergeSlashes(input), want, input);
});
