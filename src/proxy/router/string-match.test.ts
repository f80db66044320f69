// The string helpers under every matcher: ASCII-only case folding (as absl's), StringMatcher kinds,
// and queryValue's parsing of the first parameter value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { StringMatcherSchema } from '../../xds/gen/envoy/type/matcher/v3/string_pb.js';
import { queryValue } from './header-match.js';
import { asciiLower, startsWithIgnoreCase, StringMatch } from './string-match.js';

test('asciiLower folds A-Z only and returns the same string when nothing changes', () => {
  const cases: [string, string][] = [
    ['example.com', 'example.com'], ['Example.COM', 'example.com'], ['ÄRGER.Com', 'Ärger.com'],
    ['İX', 'İx'], ['straße', 'straße'], ['', ''],
  ];
  for (const [s, want] of cases) assert.equal(asciiLower(s), want, s);
  const same = 'already.lower';
  assert.equal(asciiLower(same), same);
});

test('startsWithIgnoreCase compares against a lower-case pattern at an offset', () => {
  const cases: [string, string, number, boolean][] = [
    ['/API/x', '/api', 0, true], ['/ap', '/api', 0, false], ['x/Api', '/api', 1, true], ['x', 'x', -1, false],
    ['/ÄPI', '/äpi', 0, false],
  ];
  for (const [s, p, off, want] of cases) assert.equal(startsWithIgnoreCase(s, p, off), want, `${s} ${p} ${off}`);
});

test('StringMatch kinds', () => {
  const m = (json: object) => StringMatch.compile(create(StringMatcherSchema, json), '.m');
  const cases: [object, string, boolean][] = [
    [{ matchPattern: { case: 'exact', value: 'Ab' } }, 'Ab', true],
    [{ matchPattern: { case: 'exact', value: 'Ab' } }, 'ab', false],
    [{ matchPattern: { case: 'exact', value: 'Ab' }, ignoreCase: true }, 'aB', true],
    [{ matchPattern: { case: 'exact', value: 'Ab' }, ignoreCase: true }, 'aBc', false],
    [{ matchPattern: { case: 'suffix', value: 'Ab' }, ignoreCase: true }, 'xxAB', true],
    [{ matchPattern: { case: 'suffix', value: 'Ab' }, ignoreCase: true }, 'b', false],
    [{ matchPattern: { case: 'contains', value: 'mid' } }, 'amidst', true],
    [{ matchPattern: { case: 'safeRegex', value: { regex: 'a|b' } } }, 'b', true],
    [{ matchPattern: { case: 'safeRegex', value: { regex: 'a|b' } } }, 'ab', false],
  ];
  for (const [json, v, want] of cases) assert.equal(m(json).match(v), want, `${JSON.stringify(json)} ${v}`);
});

test('queryValue finds the first value of a parameter, undecoded', () => {
  const cases: [string, string, string | undefined][] = [
    ['/p?a=1&b=2', 'b', '2'], ['/p?a=1&a=2', 'a', '1'], ['/p?a', 'a', ''], ['/p?a=', 'a', ''], ['/p?ab=1', 'a', undefined],
    ['/p?x=a%20b', 'x', 'a%20b'], ['/p?a=1#b=2', 'b', undefined], ['/p', 'a', undefined], ['/p?&&a=3', 'a', '3'],
  ];
  for (const [path, name, want] of cases) assert.equal(queryValue(path, path.indexOf('?'), name), want, `${path} ${name}`);
});
