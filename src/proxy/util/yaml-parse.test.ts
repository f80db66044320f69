// YAML parsed once with a nesting limit: what the bootstrap loader and pilot's loader report for text
// nested too deeply, a second document, and that documents compose as yaml's own functions do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { formatConfigError, loadBootstrap } from '../bootstrap/index.js';
import { loadConfigText } from '../../pilot/config/yaml-loader.js';
import { parseAllDocumentsWithin, parseDocumentWithin, TOO_DEEP_MESSAGE } from './yaml-parse.js';

const DEEP_FLOW = `admin: {}\nstatic_resources:\n  clusters: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
const DEEP_BLOCK = `a:\n${Array.from({ length: 300 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`;

test('text nested deeper than 256 levels is refused with its position, by the bootstrap loader and by pilot\'s', () => {
  // The 255th `[` (from column 13) is the 256th level under the root.
  const r = loadBootstrap({ yaml: DEEP_FLOW });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(formatConfigError(r.errors[0]!), `--config-yaml:3:${13 + 254}: YAML error: ${TOO_DEEP_MESSAGE}`);
  const p = loadConfigText(DEEP_BLOCK, 'deep.yaml');
  assert.deepEqual([p.objects, p.errors.map((e) => `${e.file}:${e.line}: ${e.message}`)], [[], [`deep.yaml:257: ${TOO_DEEP_MESSAGE}`]]);
});

test('documents compose as yaml\'s parseAllDocuments and parseDocument make them, a second document included', () => {
  const text = 'kind: A\nmetadata: {name: a}\n---\nkind: B\nlist: [1, {x: y}]\n';
  const within = parseAllDocumentsWithin(text, { lineCounter: new LineCounter(), prettyErrors: false });
  assert.ok('docs' in within);
  assert.deepEqual(within.docs.map((d) => d.toJS()), parseAllDocuments(text).map((d) => d.toJS()));
  const one = parseDocumentWithin(text, { lineCounter: new LineCounter(), prettyErrors: false });
  assert.ok('doc' in one);
  const theirs = parseDocument(text, { prettyErrors: false });
  assert.deepEqual(one.doc.errors.map((e) => [e.code, e.message, e.pos]), theirs.errors.map((e) => [e.code, e.message, e.pos]));
  assert.deepEqual(one.doc.toJS(), theirs.toJS());
});
