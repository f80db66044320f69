// The RE2 engine module: full-match and partial-match semantics, rewrites as RE2::GlobalReplace,
// UTF-8 over the codecs' byte strings, error wording; checked against Google's RE2 (re2-wasm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RE2 as GoogleRe2 } from 're2-wasm';
import { Re2, Re2SyntaxError, goRegexpError, re2Error } from './re2.js';

/** A string as the HTTP codecs give it: each UTF-8 byte of `text` as one char. */
const wire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

test('full match, as Envoy safe_regex: the whole string, anchors, case, classes', () => {
  const cases: [string, string[], string[]][] = [
    ['^/api/v[0-9]+/items/[^/]+$', ['/api/v2/items/abc-1'], ['/api/v2/items/a/b', '/api/v/items/a']],
    ['/items/[0-9]+', ['/items/42'], ['/items/', '/items/42/x', 'x/items/42']],
    ['/api/v[12]/.*', ['/api/v1/a', '/api/v2/'], ['/api/v3/a']],
    ['/Catalog', ['/Catalog'], ['/catalog']],
    ['(?i)/Catalog', ['/catalog', '/CATALOG'], ['/catalogs']],
    ['(?P<id>[a-f0-9]{8})-\\d{2,3}', ['deadbeef-12', 'deadbeef-123'], ['deadbeef-1']],
    ['(?<id>x)y', ['xy'], ['x']],
    ['\\A/x\\z', ['/x'], ['/xy']],
    ['/x$', ['/x'], ['/x\n']],
    ['a|ab', ['a', 'ab'], ['abb']],
    ['[[:alpha:]_]+\\.txt', ['read_me.txt'], ['1.txt']],
    ['a{2}b{,3}', ['aab{,3}'], ['aab']],
    ['\\Q*.example.com\\E', ['*.example.com'], ['a.example.com']],
    ['[]a]+', [']a]'], ['b']],
    ['x\\-y\\:z', ['x-y:z'], ['xy:z']],
    ['\\x41\\x{263a}\\101', ['A\u263aA'], ['AAA']],
    ['(?s)a.b', ['a\nb'], []],
    ['a.b', ['a b'], ['a\nb']],
  ];
  for (const [pattern, yes, no] of cases) {
    const re = Re2.compile(pattern);
    for (const s of yes) assert.ok(re.fullMatch(s), `${pattern} should match ${JSON.stringify(s)}`);
    for (const s of no) assert.ok(!re.fullMatch(s), `${pattern} should not match ${JSON.stringify(s)}`);
  }
});

test('partial match (the admin /stats filter): anywhere in the name unless anchored', () => {
  assert.ok(Re2.compile('rq_time').partialMatchText('cluster.a.upstream_rq_time'));
  assert.ok(!Re2.compile('^rq_time').partialMatchText('cluster.a.upstream_rq_time'));
  assert.ok(Re2.compile('cluster\\.[^.]+\\.upstream').partialMatchText('cluster.a.upstream_rq_time'));
});

test('UTF-8: the codecs\' byte strings are read as UTF-8, as RE2 reads bytes in Envoy', () => {
  assert.ok(Re2.compile('/caf.').fullMatch(wire('/café')), '. is one UTF-8 character, not one byte');
  assert.ok(!Re2.compile('/caf..').fullMatch(wire('/café')));
  assert.ok(Re2.compile('/café').fullMatch(wire('/café')), 'a non-ASCII pattern character matches its UTF-8 bytes');
  assert.ok(Re2.compile('\\pL+').fullMatch(wire('héllo')));
  assert.ok(Re2.compile('(?i)CAFÉ').fullMatch(wire('café')), 'case folding beyond ASCII');
  // A string with a char above U+00FF cannot come from a codec: it is read as text.
  assert.ok(Re2.compile('.').fullMatch('😀'));
  assert.ok(Re2.compile('/😀').fullMatch('/😀'));
});

test('rewrites: \\N groups, every match replaced, as RE2::GlobalReplace', () => {
  const rw = (pattern: string, sub: string, s: string): string => {
    const re = Re2.compile(pattern);
    return re.globalReplace(s, re.rewrite(sub));
  };
  // Envoy's documented examples of regex_rewrite.
  assert.equal(rw('^/service/([^/]+)(/.*)$', '\\2/instance/\\1', '/service/foo/v1/api'), '/v1/api/instance/foo');
  assert.equal(rw('one', 'two', '/xxx/one/yyy/one/zzz'), '/xxx/two/yyy/two/zzz');
  assert.equal(rw('^(.*?)one(.*)$', '\\1two\\2', '/xxx/one/yyy/one/zzz'), '/xxx/two/yyy/one/zzz');
  assert.equal(rw('(?i)/xxx/', '/yyy/', '/aaa/XxX/bbb'), '/aaa/yyy/bbb');
  assert.equal(rw('a(x)?b', '[\\1|\\0]', 'ab axb'), '[|ab] [x|axb]', 'an unmatched group is empty; \\0 is the match');
  assert.equal(rw('x', '\\\\', 'axb'), 'a\\b');
  assert.equal(rw('nomatch', 'y', '/same'), '/same');
  // Empty matches: none right after a match (RE2 and Go; JS String.replace gives -b--c-).
  assert.equal(rw('a*', '-', 'baaac'), '-b-c-');
  assert.equal(rw('', '-', 'ab'), '-a-b-');
  assert.equal(rw('', '-', wire('é')), `-${wire('é')}-`, 'an empty match steps over a whole UTF-8 character');
  assert.equal(rw('é', 'e', wire('/café/é')), '/cafe/e', 'offsets in bytes, result stays a byte string');
  assert.equal(rw('^/', '/x/', '/a'), '/x/a');
  assert.equal(rw('^a', 'b', 'aaa'), 'baa', '^ holds only at the start of the string, not where the search resumes');
});

test('rewrite strings are checked as RE2 checks them', () => {
  const re = Re2.compile('(a)');
  assert.throws(() => re.rewrite('\\2'), { message: 'requested group 2 in regexp (a) which has only 1 groups' });
  assert.throws(() => re.rewrite('\\x'), { message: 'invalid rewrite pattern: \\x' });
  assert.throws(() => re.rewrite('x\\'), { message: 'invalid rewrite pattern: x\\' });
  assert.deepEqual(re.rewrite('<\\1\\\\\\0>'), ['<', 1, '\\', 0, '>']);
});

/** Patterns RE2 refuses, with RE2's text (as Envoy prints it) and Go's (as Istio prints it). */
const REFUSED: [string, string, string][] = [
  ['(?=abc)', 'invalid perl operator: (?=', 'invalid or unsupported Perl syntax: `(?=`'],
  ['(?!abc)', 'invalid perl operator: (?!', 'invalid or unsupported Perl syntax: `(?!`'],
  ['(?<=a)b', 'invalid perl operator: (?<', 'invalid named capture: `(?<=a)b`'],
  ['(?<!a)b', 'invalid perl operator: (?<', 'invalid named capture: `(?<!a)b`'],
  ['(?>a+)', 'invalid perl operator: (?>', 'invalid or unsupported Perl syntax: `(?>`'],
  ['(a)\\1', 'invalid escape sequence: \\1', 'invalid escape sequence: `\\1`'],
  ['(?P<n>a)(?P=n)', 'invalid perl operator: (?P', 'invalid or unsupported Perl syntax: `(?P`'],
  ['a++', 'bad repetition operator: ++', 'invalid nested repetition operator: `++`'],
  ['a**', 'bad repetition operator: **', 'invalid nested repetition operator: `**`'],
  ['a{1001}', 'invalid repetition size: {1001}', 'invalid repeat count: `{1001}`'],
  ['a{2,1}', 'invalid repetition size: {2,1}', 'invalid repeat count: `{2,1}`'],
  ['\\y', 'invalid escape sequence: \\y', 'invalid escape sequence: `\\y`'],
  ['abc\\', 'trailing \\', 'trailing backslash at end of expression: ``'],
  ['[a-z', 'missing ]: [a-z', 'missing closing ]: `[a-z`'],
  ['(abc', 'missing ): (abc', 'missing closing ): `(abc`'],
  ['abc)', 'unexpected ): abc)', 'unexpected ): `abc)`'],
  ['*a', 'no argument for repetition operator: *', 'missing argument to repetition operator: `*`'],
  ['[z-a]', 'invalid character class range: z-a', 'invalid character class range: `z-a`'],
  ['[[:nope:]]', 'invalid character class range: [:nope:]', 'invalid character class range: `[:nope:]`'],
  ['\\p{Nope}', 'invalid character class range: \\p{Nope}', 'invalid character class range: `\\p{Nope}`'],
  ['(?x)a', 'invalid perl operator: (?x', 'invalid or unsupported Perl syntax: `(?x`'],
];

test('what RE2 refuses (lookaround, backreferences, ...) is an error in RE2\'s and in Go\'s wording', () => {
  for (const [pattern, re2, go] of REFUSED) {
    assert.equal(re2Error(pattern), re2, pattern);
    assert.equal(goRegexpError(pattern), `error parsing regexp: ${go}`, pattern);
    assert.throws(() => Re2.compile(pattern), Re2SyntaxError);
  }
  assert.equal(re2Error('\\C'), 'invalid escape sequence: \\C (matching single bytes is not supported by Strait)');
  assert.equal(re2Error('^/ok$'), undefined);
  assert.equal(goRegexpError('^/ok$'), undefined);
});

test('the RE2 wording is Google RE2\'s own (re2-wasm), pattern by pattern', () => {
  for (const [pattern, re2] of REFUSED) {
    // re2-wasm only adds its own prefix to RE2's error text.
    assert.throws(() => new GoogleRe2(pattern, 'u'), (e: Error) => e.message.endsWith(`/u: ${re2}`), pattern);
  }
});

/** Small random RE2 patterns over a few atoms and operators. */
const patterns = fc.letrec((tie) => ({
  atom: fc.constantFrom('a', 'b', '1', ' ', '.', '[ab]', '[^a]', '\\d', '\\w', '\\s', '\\b', '^', '$', '(?i:A)', 'é'),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('atom'),
    fc.tuple(tie('node'), tie('node')).map(([x, y]) => `${x}${y}`),
    fc.tuple(tie('node'), tie('node')).map(([x, y]) => `(?:${x}|${y})`),
    fc.tuple(tie('node'), fc.constantFrom('*', '+', '?', '{1,2}', '*?', '+?')).map(([x, op]) => `(${x})${op}`),
  ),
})).node as fc.Arbitrary<string>;

test('matching agrees with Google RE2 (re2-wasm) on random patterns and inputs', () => {
  fc.assert(fc.property(patterns, fc.string({ unit: fc.constantFrom('a', 'b', 'A', '1', ' ', 'é'), maxLength: 8 }),
    (pattern, text) => {
      const google = new GoogleRe2(`^(?:${pattern})$`, 'u').test(text);
      assert.equal(Re2.compile(pattern).fullMatch(wire(text)), google, `${pattern} on ${JSON.stringify(text)}`);
    }), { numRuns: 400 });
});
