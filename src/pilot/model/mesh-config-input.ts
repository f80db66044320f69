// meshConfig as a user writes it (camelCase: the `mesh` key of the istio ConfigMap in istio-system, IstioOperator's
// spec.meshConfig, istioctl's --set meshConfig.*) turned into MeshConfig overrides; fields Strait does not implement are refused.
import { parse } from 'yaml';
import type { ExtensionProvider, MeshConfig } from './mesh-config.js';

/** A refused field: its path (`extensionProviders[0].envoyExtAuthzHttp.port`) and why. */
export interface MeshConfigFinding {
  readonly path: string;
  readonly message: string;
}

type Scalar = 'string' | 'bool' | 'uint' | 'duration' | 'percent' | 'strings' | 'stringMap';
/** A field accepted only with values that match what Strait does anyway (`means` says what that is). */
interface Fixed { readonly fixed: (v: unknown) => boolean; readonly means: string }
type FieldType = Scalar | Fixed | { readonly enum: readonly string[] } | { readonly object: Schema } | { readonly list: Schema };
type Schema = { readonly [field: string]: FieldType };

const BODY: Schema = { maxRequestBytes: 'uint', allowPartialMessage: 'bool', packAsBytes: 'bool' };

/** The provider kinds Strait's proxy speaks, with their fields. */
const PROVIDERS: Schema = {
  name: 'string',
  envoyExtAuthzHttp: { object: {
    service: 'string', port: 'uint', timeout: 'duration', pathPrefix: 'string', failOpen: 'bool', statusOnError: 'string',
    includeRequestHeadersInCheck: 'strings', includeHeadersInCheck: 'strings', includeAdditionalHeadersInCheck: 'stringMap',
    headersToUpstreamOnAllow: 'strings', headersToDownstreamOnDeny: 'strings', headersToDownstreamOnAllow: 'strings',
    includeRequestBodyInCheck: { object: BODY },
  } },
  envoyExtAuthzGrpc: { object: {
    service: 'string', port: 'uint', timeout: 'duration', failOpen: 'bool', statusOnError: 'string', includeRequestBodyInCheck: { object: BODY },
  } },
  zipkin: { object: { service: 'string', port: 'uint', maxTagLength: 'uint', path: 'string' } },
  opentelemetry: { object: { service: 'string', port: 'uint', http: { object: { path: 'string' } } } },
  prometheus: { object: {} },
  envoyFileAccessLog: { object: { path: 'string', logFormat: { object: { text: 'string', labels: 'stringMap' } } } },
};
const PROVIDER_KINDS = Object.keys(PROVIDERS).filter((k) => k !== 'name');

/** The Zipkin collector of `strait up --addons`. */
const ZIPKIN_ADDON = 'zipkin.istio-system:9411';

/** The meshConfig fields Strait implements (and a few it accepts only with the values it matches anyway). */
const MESH: Schema = {
  outboundTrafficPolicy: { object: { mode: { enum: ['ALLOW_ANY', 'REGISTRY_ONLY'] } } },
  connectTimeout: 'duration',
  enableAutoMtls: 'bool',
  rootNamespace: 'string',
  trustDomain: 'string',
  accessLogFile: 'string',
  accessLogFormat: 'string',
  accessLogEncoding: { enum: ['TEXT', 'JSON'] },
  ingressSelector: 'string',
  enableTracing: 'bool',
  defaultConfig: { object: {
    tracing: { object: { sampling: 'percent', zipkin: { object: { address: {
      fixed: (v) => v === ZIPKIN_ADDON || v === `${ZIPKIN_ADDON.replace(':', '.svc:')}` || v === `${ZIPKIN_ADDON.replace(':', '.svc.cluster.local:')}`,
      means: `${ZIPKIN_ADDON}, where strait up --addons runs its collector` } } } } },
    // strait up tells every proxy where pilot is, and sets their environment itself.
    discoveryAddress: { fixed: (v) => typeof v === 'string', means: "any address: strait up's proxies are given pilot's" },
    proxyMetadata: { fixed: (v) => isObj(v) && Object.keys(v).length === 0, means: 'an empty map' },
  } },
  enablePrometheusMerge: { fixed: (v) => v === true, means: "true, Istio's default" },
  extensionProviders: { list: PROVIDERS },
  defaultProviders: { object: { metrics: 'strings', tracing: 'strings', accessLogging: 'strings' } },
};

/** Every path the schema accepts (`defaultConfig.tracing.sampling`), for the refusal messages. */
function leafPaths(s: Schema, prefix: string): string[] {
  return Object.entries(s).flatMap(([k, t]) => {
    const p = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof t === 'object' && 'object' in t && Object.keys(t.object).length > 0) return leafPaths(t.object, p);
    return [p];
  });
}

/** What the refusals list as supported. */
const SUPPORTED = [...leafPaths(MESH, '').filter((p) => !p.startsWith('extensionProviders')),
  `extensionProviders[] (${PROVIDER_KINDS.join(', ')})`].join(', ');

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DURATION = /^\d+(\.\d{1,9})?s$/;

/** Protobuf JSON duration text ("0.5s") in milliseconds. */
function durationTextMs(s: string): number {
  return Math.round(Number(s.slice(0, -1)) * 1000);
}

function scalar(t: Scalar, v: unknown, path: string, errors: MeshConfigFinding[]): unknown {
  const bad = (want: string): undefined => {
    errors.push({ path, message: `cannot use ${JSON.stringify(v)} as ${want}` });
    return undefined;
  };
  switch (t) {
    case 'string': return typeof v === 'string' ? v : bad('a string');
    case 'bool': return typeof v === 'boolean' ? v : bad('a boolean');
    case 'uint': {
      // protobuf JSON takes an integer or its text ("8000", as the book writes ports).
      const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : bad('an unsigned integer');
    }
    case 'percent': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      return typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 100 ? n : bad('a percentage from 0 to 100');
    }
    case 'duration': return typeof v === 'string' && DURATION.test(v) ? v : bad('a duration ("10s", "0.5s")');
    case 'strings': return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : bad('a list of strings');
    case 'stringMap': return isObj(v) && Object.values(v).every((x) => typeof x === 'string') ? v : bad('a map of strings');
  }
}

function walk(s: Schema, input: Record<string, unknown>, path: string, errors: MeshConfigFinding[], supported: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    const p = path === '' ? k : `${path}.${k}`;
    const t = s[k];
    if (t === undefined) {
      errors.push({ path: p, message: `unsupported meshConfig field (Strait supports ${supported})` });
      continue;
    }
    if (v === null) continue;
    if (typeof t === 'string') out[k] = scalar(t, v, p, errors);
    else if ('fixed' in t) {
      if (!t.fixed(v)) errors.push({ path: p, message: `unsupported value ${JSON.stringify(v)} (Strait accepts ${t.means})` });
    } else if ('enum' in t) {
      if (typeof v === 'string' && t.enum.includes(v)) out[k] = v;
      else errors.push({ path: p, message: `unsupported value ${JSON.stringify(v)} (supported: ${t.enum.join(', ')})` });
    } else if ('object' in t) {
      if (isObj(v)) out[k] = walk(t.object, v, p, errors, supported);
      else errors.push({ path: p, message: `cannot use ${JSON.stringify(v)} as an object` });
    } else if (Array.isArray(v)) {
      out[k] = v.map((x, i) => {
        if (isObj(x)) return walk(t.list, x, `${p}[${i}]`, errors, supported);
        errors.push({ path: `${p}[${i}]`, message: `cannot use ${JSON.stringify(x)} as an object` });
        return {};
      });
    } else errors.push({ path: p, message: `cannot use ${JSON.stringify(v)} as a list` });
  }
  return out;
}

function providers(list: Record<string, unknown>[], errors: MeshConfigFinding[]): ExtensionProvider[] {
  return list.map((p, i) => {
    const kinds = PROVIDER_KINDS.filter((k) => p[k] !== undefined);
    if (typeof p['name'] !== 'string' || p['name'] === '') {
      errors.push({ path: `extensionProviders[${i}].name`, message: 'a provider needs a name' });
    }
    if (kinds.length !== 1) {
      errors.push({ path: `extensionProviders[${i}]`, message: `a provider needs exactly one of ${PROVIDER_KINDS.join(', ')}` });
    }
    for (const k of ['envoyExtAuthzHttp', 'envoyExtAuthzGrpc', 'zipkin', 'opentelemetry']) {
      const c = p[k] as Record<string, unknown> | undefined;
      if (c === undefined) continue;
      for (const req of ['service', 'port']) {
        const path = `extensionProviders[${i}].${k}.${req}`;
        // A value refused already is not also missing.
        if (c[req] === undefined && !errors.some((e) => e.path === path)) errors.push({ path, message: 'required field is missing' });
      }
    }
    return p as unknown as ExtensionProvider;
  });
}

/** What a meshConfig object changes, or its refused fields (every one, each with its path). */
export function meshConfigOverrides(input: unknown): { overrides: Partial<MeshConfig>; errors: MeshConfigFinding[] } {
  const errors: MeshConfigFinding[] = [];
  if (input === null || input === undefined) return { overrides: {}, errors };
  if (!isObj(input)) return { overrides: {}, errors: [{ path: '', message: 'meshConfig must be an object' }] };
  const v = walk(MESH, input, '', errors, SUPPORTED);
  const o: Partial<MeshConfig> = {};
  const otp = v['outboundTrafficPolicy'] as { mode?: 'ALLOW_ANY' | 'REGISTRY_ONLY' } | undefined;
  if (otp?.mode !== undefined) o.outboundTrafficPolicy = { mode: otp.mode };
  if (typeof v['connectTimeout'] === 'string') o.connectTimeoutMs = durationTextMs(v['connectTimeout']);
  for (const k of ['enableAutoMtls', 'rootNamespace', 'trustDomain', 'accessLogFile', 'accessLogFormat', 'accessLogEncoding',
    'ingressSelector', 'enableTracing'] as const) {
    if (v[k] !== undefined) (o as Record<string, unknown>)[k] = v[k];
  }
  const sampling = ((v['defaultConfig'] as Record<string, unknown> | undefined)?.['tracing'] as Record<string, unknown> | undefined)?.['sampling'];
  if (typeof sampling === 'number') o.tracingSampling = sampling;
  if (Array.isArray(v['extensionProviders'])) o.extensionProviders = providers(v['extensionProviders'] as Record<string, unknown>[], errors);
  if (v['defaultProviders'] !== undefined) o.defaultProviders = v['defaultProviders'] as MeshConfig['defaultProviders'];
  return { overrides: errors.length > 0 ? {} : o, errors };
}

/** meshConfig as YAML text (the ConfigMap's `mesh` key). */
export function meshConfigFromYaml(text: string): { overrides: Partial<MeshConfig>; errors: MeshConfigFinding[] } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return { overrides: {}, errors: [{ path: '', message: `invalid YAML: ${(e as Error).message.split('\n')[0]}` }] };
  }
  return meshConfigOverrides(doc);
}

/**
 * `base` with `o` applied as istiod applies a mesh config over its defaults: fields replace, extension
 * providers merge by name (the user's replace the default of the same name), defaultProviders by kind.
 */
export function applyMeshConfig(base: MeshConfig, o: Partial<MeshConfig>): MeshConfig {
  const out: MeshConfig = { ...base, ...o };
  if (o.extensionProviders !== undefined) {
    const names = new Set(o.extensionProviders.map((p) => p.name));
    out.extensionProviders = [...base.extensionProviders.filter((p) => !names.has(p.name)), ...o.extensionProviders];
  }
  if (o.defaultProviders !== undefined) out.defaultProviders = { ...base.defaultProviders, ...o.defaultProviders };
  return out;
}
