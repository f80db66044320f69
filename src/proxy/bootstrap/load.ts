// Loads an Envoy v3 bootstrap from --config-path and/or --config-yaml (the yaml merged over the
// file, as Envoy does), then validates it; every error carries its field path and source line.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fromBinary, fromJson, merge, type JsonValue } from '@bufbuild/protobuf';
import { registry } from '../../xds/registry.js';
import { BootstrapSchema, type Bootstrap } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { formatPath, NO_CONFIG_MESSAGE, type ConfigError, type PathError } from './config-error.js';
import { cleanFromJsonMessage, prepareMessage, type PrepareContext } from './json-prepare.js';
import { validateMessage } from './pgv-validate.js';
import { checkRegexes } from './regex-checks.js';
import { checkSemantics } from './semantic-checks.js';
import { checkUnsupportedFields } from './unsupported-fields.js';
import { locate, parseYamlSource, type YamlSource } from './yaml-source.js';

/** Where the bootstrap comes from: Envoy's --config-path and --config-yaml. */
export interface BootstrapSource {
  path?: string;
  yaml?: string;
}

/** A validated bootstrap, or every error found. */
export type LoadResult = { ok: true; bootstrap: Bootstrap } | { ok: false; errors: ConfigError[] };

/** Label for errors in the --config-yaml text. */
export const CONFIG_YAML_LABEL = '--config-yaml';

type Parsed = { ok: true; bootstrap: Bootstrap; source?: YamlSource } | { ok: false; errors: ConfigError[] };

/** Loads, merges and validates a bootstrap. Never throws for bad input. */
export function loadBootstrap(src: BootstrapSource): LoadResult {
  const hasPath = src.path !== undefined && src.path !== '';
  const hasYaml = src.yaml !== undefined && src.yaml !== '';
  if (!hasPath && !hasYaml) return { ok: false, errors: [{ path: '', message: NO_CONFIG_MESSAGE }] };
  const parsed: Parsed[] = [];
  if (hasPath) parsed.push(parseFile(src.path!));
  if (hasYaml) parsed.push(parseText(src.yaml!, CONFIG_YAML_LABEL));
  const failed = parsed.flatMap((p) => (p.ok ? [] : p.errors));
  if (failed.length > 0) return { ok: false, errors: failed };
  const ok = parsed as Extract<Parsed, { ok: true }>[];
  const bootstrap = ok[0]!.bootstrap;
  // Envoy: bootstrap.MergeFrom(yaml) — scalars overwritten, messages merged, lists appended.
  for (const p of ok.slice(1)) merge(BootstrapSchema, bootstrap, p.bootstrap);
  const sources = ok.flatMap((p) => (p.source ? [p.source] : []));
  const fallbackFile = ok.length === 1 && !ok[0]!.source ? src.path : undefined;
  const errors = validateBootstrap(bootstrap);
  if (errors.length > 0) return { ok: false, errors: placeErrors(errors, sources, fallbackFile) };
  return { ok: true, bootstrap };
}

/** Schema rules (protoc-gen-validate), RE2 patterns, fields Strait does not implement, and Envoy's semantic checks. */
export function validateBootstrap(b: Bootstrap): PathError[] {
  const errors: PathError[] = [];
  validateMessage(BootstrapSchema, b, [], registry, errors);
  errors.push(...checkRegexes(BootstrapSchema, b, registry));
  errors.push(...checkUnsupportedFields(BootstrapSchema, b, registry));
  errors.push(...checkSemantics(b));
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${formatPath(e.path)}\u0000${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function parseFile(path: string): Parsed {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? (e as Error).message);
    return { ok: false, errors: [{ file: path, path: '', message: `unable to read file: ${path} (${why})` }] };
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.pb') {
    try {
      return { ok: true, bootstrap: fromBinary(BootstrapSchema, data) };
    } catch (e) {
      return { ok: false, errors: [{ file: path, path: '', message: `unable to parse binary Bootstrap: ${(e as Error).message}` }] };
    }
  }
  if (ext === '.pb_text') {
    return { ok: false, errors: [{ file: path, path: '', message: 'text-format (.pb_text) bootstraps are not supported by Strait: use YAML or JSON' }] };
  }
  return parseText(data.toString('utf8'), path);
}

/** YAML/JSON text -> Bootstrap, with Envoy's leniencies applied and errors placed in the text. */
function parseText(text: string, label: string): Parsed {
  const y = parseYamlSource(text, label);
  if (!y.ok) return y;
  const source = y.source;
  const value = source.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, errors: [{ file: label, line: 1, column: 1, path: '', message: 'the bootstrap must be a mapping of fields' }] };
  }
  const ctx: PrepareContext = { registry, errors: [], checkLeaves: false };
  const prepared = prepareMessage(BootstrapSchema, value, [], ctx);
  let fromJsonError: string | undefined;
  if (ctx.errors.length === 0) {
    try {
      return { ok: true, bootstrap: fromJson(BootstrapSchema, prepared as JsonValue, { registry }), source };
    } catch (e) {
      fromJsonError = cleanFromJsonMessage((e as Error).message);
    }
  }
  // Walk again checking every leaf, to find each failing field and its path.
  const full: PrepareContext = { registry, errors: [], checkLeaves: true };
  prepareMessage(BootstrapSchema, value, [], full);
  const errors = full.errors.length > 0 ? full.errors : [{ path: [], message: fromJsonError ?? 'invalid bootstrap' }];
  return { ok: false, errors: placeErrors(errors, [source], undefined) };
}

/** Gives path errors their file, line and column; sorted by position within each source. */
function placeErrors(errors: PathError[], sources: YamlSource[], fallbackFile: string | undefined): ConfigError[] {
  const placed = errors.map((e, i) => {
    const pos = sources.length > 0 ? locate(sources, e.path, e.atKey) : undefined;
    const ce: ConfigError = { path: formatPath(e.path), message: e.message };
    if (pos) { ce.file = pos.file; ce.line = pos.line; ce.column = pos.column; } else if (fallbackFile) ce.file = fallbackFile;
    return { ce, i, src: pos ? sources.findIndex((s) => s.label === pos.file) : sources.length };
  });
  placed.sort((a, b) => a.src - b.src || (a.ce.line ?? 0) - (b.ce.line ?? 0) || (a.ce.column ?? 0) - (b.ce.column ?? 0) || a.i - b.i);
  return placed.map((p) => p.ce);
}
