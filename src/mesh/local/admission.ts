// How the local mesh admits manifests, as an apiserver with Istio's validating webhook does: YAML
// read with file:line, namespaces defaulted, every object validated; refusals in kubectl's words.
import { loadConfigText, formatLoadError, type LoadError } from '../../pilot/config/yaml-loader.js';
import { splitApiVersion, type ConfigObject } from '../../pilot/config/object.js';
import { formatFinding, type ValidationResult } from '../../pilot/config/validation/field-error.js';
import { isKnownKind, validateObject } from '../../pilot/config/validation/validate-object.js';
import { manifestKey, withNamespace, type Manifest } from './workloads.js';

/** An object read from the input: as the config model sees it (with its source) and as the mesh keeps it. */
export interface ReadObject { object: ConfigObject; manifest: Manifest }

/** kubectl's lines for a YAML syntax error: ours with file:line:col, then kubectl's own. */
function syntaxError(e: LoadError): string {
  return `${formatLoadError(e)}\nerror: error parsing ${e.file}: error converting YAML to JSON: yaml: line ${e.line}: ${e.message}`;
}

/**
 * Reads every document of `text` (read from `source`); objects name `namespace` unless they name one.
 * A document without kind or metadata.name cannot be keyed: it comes back as an error, as a syntax error does.
 */
export function readManifests(text: string, source: string, namespace: string): { objects: ReadObject[]; errors: string[] } {
  const { objects, errors } = loadConfigText(text, source);
  const out: ReadObject[] = [];
  const problems = errors.map(syntaxError);
  for (const o of objects) {
    const missing = !o.kind ? 'kind' : typeof o.metadata?.name !== 'string' || o.metadata.name === '' ? 'metadata.name' : undefined;
    if (missing) {
      problems.push(formatFinding(o, missing, 'Required value'));
      continue;
    }
    const manifest = withNamespace(o.source!.document as Manifest, namespace);
    out.push({ object: { ...o, metadata: { ...o.metadata, namespace: manifest.metadata.namespace } }, manifest });
  }
  return { objects: out, errors: problems };
}

/** kubectl's report of a refusal: the error it prints for the step that refused the object. */
function kubectlWords(r: ValidationResult, o: ConfigObject, source: string, exists: boolean): string {
  const action = `error when ${exists ? 'patching' : 'creating'} "${source}"`;
  if (r.stage === 'decoding') {
    const { version } = splitApiVersion(o.apiVersion);
    return `Error from server (BadRequest): ${action}: ${o.kind} in version "${version}" cannot be handled as a ${o.kind}: ` +
      `strict decoding error: ${r.errors.map((e) => e.message).join(', ')}`;
  }
  if (r.stage === 'admission') {
    const reasons = r.errors.length === 1 ? r.errors[0]!.message
      : `${r.errors.length} errors occurred:${r.errors.map((e) => `\n\t* ${e.message}`).join('')}`;
    return `Error from server: ${action}: admission webhook "validation.istio.io" denied the request: configuration is invalid: ${reasons}`;
  }
  const reasons = r.errors.map((e) => `${e.path}: ${e.message}`);
  return `The ${o.kind} "${o.metadata.name}" is invalid: ${reasons.length === 1 ? reasons[0] : reasons.map((e) => `\n* ${e}`).join('')}`;
}

/** What admission made of an input: the objects to apply, the refusals and the warnings (lines to print). */
export interface Admission {
  accepted: Manifest[];
  refused: string[];
  warnings: string[];
}

/**
 * Admits the objects of `text`: each known kind is validated (every error as `file:line: Kind ns/name: path:
 * reason`, then kubectl's words); kinds Strait does not read are kept as an apiserver with their CRDs would.
 * `existing` holds the keys (manifestKey) of the objects already applied.
 */
export function admit(text: string, source: string, namespace: string, existing: ReadonlySet<string>): Admission {
  const { objects, errors } = readManifests(text, source, namespace);
  const admission: Admission = { accepted: [], refused: errors, warnings: [] };
  for (const { object, manifest } of objects) {
    if (!isKnownKind(object)) {
      const what = `${object.kind} (${object.apiVersion || 'no apiVersion'}) is not a kind Strait reads; kept, not validated`;
      admission.warnings.push(`Warning: ${formatFinding(object, 'kind', what)}`);
      admission.accepted.push(manifest);
      continue;
    }
    const r = validateObject(object);
    admission.warnings.push(...r.warnings.map((w) => `Warning: ${w.formatted}`));
    if (r.errors.length === 0) admission.accepted.push(manifest);
    else admission.refused.push([...r.errors.map((e) => e.formatted), kubectlWords(r, object, source, existing.has(manifestKey(manifest)))].join('\n'));
  }
  return admission;
}
