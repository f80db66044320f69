// Agreement of `strait validate` with Istio's own validation test data (test/fixtures/istio-validation:
// Istio's testdata/crds files and transcribed validation_test.go tables), per kind, with the disagreements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfigText } from '../src/pilot/config/yaml-loader.js';
import { validateObject } from '../src/pilot/config/validation/validate-object.js';
import { REPO_ROOT } from './lib/proxy-process.js';

const DIR = join(REPO_ROOT, 'test', 'fixtures', 'istio-validation');
/** The agreement reached (valid/invalid verdicts equal to Istio's); a change that lowers it fails. */
const MIN_AGREEMENT = 1;

interface Case {
  id: string;
  kind: string;
  valid: boolean;
  warning?: boolean;
  /** The case's own YAML text without the `_` keys (read as `strait validate` reads a file). */
  text: string;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : []);
}

/** Every case: one document each, `_err` marks the ones Istio refuses, `_warning` the warnings Istio's test checks. */
function loadCases(): Case[] {
  return yamlFiles(DIR).flatMap((file) => {
    const source = readFileSync(file, 'utf8');
    return parseAllDocuments(source).flatMap((d, i) => {
      const doc = d.toJS() as Record<string, unknown> | null;
      if (!doc) return [];
      const { _err: err, _warning: warning, _name: name, ...rest } = doc;
      const meta = (rest['metadata'] ?? {}) as { name?: string };
      const text = source.slice(d.range[0], d.range[2]).split('\n').filter((l) => !/^_(err|warning|name):/.test(l)).join('\n');
      return [{
        id: `${relative(DIR, file)}#${i} ${String(name ?? meta.name)}`,
        kind: String(rest['kind']),
        valid: err === undefined,
        ...(typeof warning === 'boolean' ? { warning } : {}),
        text,
      }];
    });
  });
}

/** Strait's verdict, through the same loading and validation `strait validate` uses. */
function straitVerdict(c: Case): { valid: boolean; warning: boolean; why: string } {
  const loaded = loadConfigText(c.text, c.id);
  if (loaded.errors.length > 0 || loaded.objects.length !== 1) return { valid: false, warning: false, why: loaded.errors[0]?.message ?? 'not loaded' };
  const r = validateObject(loaded.objects[0]!);
  return { valid: r.errors.length === 0, warning: r.warnings.length > 0, why: [...r.errors, ...r.warnings].map((e) => `${e.path}: ${e.message}`).join('; ') };
}

test('strait validate agrees with Istio on its validation test data', (t) => {
  const cases = loadCases();
  assert.ok(cases.length >= 475, `only ${cases.length} cases found`);
  const perKind = new Map<string, { cases: number; agree: number }>();
  const disagreements: string[] = [];
  const warningMismatches: string[] = [];
  for (const c of cases) {
    const v = straitVerdict(c);
    const k = perKind.get(c.kind) ?? { cases: 0, agree: 0 };
    k.cases += 1;
    if (v.valid === c.valid) k.agree += 1;
    else disagreements.push(`${c.id}: Istio ${c.valid ? 'accepts' : 'refuses'}, Strait ${v.valid ? 'accepts' : 'refuses'} (${v.why || 'no findings'})`);
    if (c.warning !== undefined && v.valid && c.valid && v.warning !== c.warning) {
      warningMismatches.push(`${c.id}: Istio ${c.warning ? 'warns' : 'does not warn'}, Strait ${v.warning ? 'warns' : 'does not'} (${v.why})`);
    }
    perKind.set(c.kind, k);
  }
  for (const [kind, k] of [...perKind].sort()) t.diagnostic(`${kind}: ${k.agree}/${k.cases}`);
  const agree = cases.length - disagreements.length;
  t.diagnostic(`agreement: ${agree}/${cases.length} = ${((100 * agree) / cases.length).toFixed(1)}%`);
  for (const d of disagreements) t.diagnostic(`disagreement: ${d}`);
  for (const w of warningMismatches) t.diagnostic(`warning mismatch: ${w}`);
  assert.ok(agree / cases.length >= MIN_AGREEMENT, `agreement ${agree}/${cases.length} below ${MIN_AGREEMENT}; disagreements:\n${disagreements.join('\n')}`);
  assert.deepEqual(warningMismatches, [], 'where Istio\'s tests check for a warning, Strait warns alike');
});
