// RE2 syntax over JS RegExp: what RE2 accepts compiles and matches like RE2's FullMatch;
// what RE2 rejects (lookaround, backreferences, ...) fails with RE2's error text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRe2FullMatch, re2Error } from './re2-syntax.js';

test('common route patterns are accepted and full-match', () => {
  const cases: [string, string[], string[]][] = [
    ['/items/[0-9]+', ['/items/42'], ['/items/', '/items/42/x']],
    ['/api/v[12]/.*', ['/api/v1/a', '/api/v2/'], ['/api/v3/a']],
    ['(?i)/Catalog', ['/catalog', '/CATALOG'], ['/catalogs']],
    ['(?P<id>[a-f0-9]{8})-\\d{2,3}', ['deadbeef-12', 'deadbeef-123'], ['deadbeef-1']],
    ['\\A/x\\z', ['/x'], ['/xy']],
    ['[[:alpha:]_]+\\.txt', ['read_me.txt'], ['1.txt']],
    ['\\pL+', ['héllo'], ['h3llo']],
    ['a{2}b{,3}', ['aab{,3}'], ['aab']],
    ['\\Q*.example.com\\E', ['*.example.com'], ['a.example.com']],
    ['[]a]+', [']a]'], ['b']],
    ['x\\-y\\:z', ['x-y:z'], ['xy:z']],
    ['\\x41\\x{263a}\\101', ['A\u263aA'], ['AAA']],
  ];
  for (const [pattern, yes, no] of cases) {
    const re = compileRe2FullMatch(pattern);
    for (const s of yes) assert.ok(re.test(s), `${pattern} should match ${s}`);
    for (const s of no) assert.ok(!re.test(s), `${pattern} should not match ${s}`);
  }
});

test('what RE2 rejects, with RE2 wording', () => {
  const cases: [string, string][] = [
    ['(?=abc)', 'invalid perl operator: (?='],
    ['(?!abc)', 'invalid perl operator: (?!'],
    ['(?<=a)b', 'invalid perl operator: (?<='],
    ['(?<!a)b', 'invalid perl operator: (?<!'],
    ['(?>a+)', 'invalid perl operator: (?>'],
    ['(a)\\1', 'invalid escape sequence: \\1'],
    ['(?<n>a)\\k<n>', 'invalid escape sequence: \\k'],
    ['a++', 'bad repetition operator: ++'],
    ['a**', 'bad repetition operator: **'],
    ['a{1001}', 'bad repetition operator: {1001}'],
    ['\\y', 'invalid escape sequence: \\y'],
    ['abc\\', 'trailing \\: '],
    ['[a-z', 'missing ]: [a-z'],
    ['(abc', 'missing ): (abc'],
    ['abc)', 'unexpected ): abc)'],
    ['*a', 'missing argument to repetition operator: *a'],
    ['[z-a]', 'invalid character class range: [z-a]'],
    ['[[:nope:]]', 'invalid character class range: [:nope:]'],
  ];
  for (const [pattern, error] of cases) assert.equal(re2Error(pattern), error, pattern);
  assert.equal(re2Error('^/ok$'), undefined);
  assert.throws(() => compileRe2FullMatch('(?=x)'), /invalid perl operator/);
});
