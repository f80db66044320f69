// Analysis messages as istioctl analyze prints them: level, IST code, the resource with its
// file:line, and the text; plus the message types (codes and templates) strait reports.
import type { ConfigObject } from '../config/object.js';
import type { AnalysisType } from '../config/validation/field-error.js';

export type Level = 'Error' | 'Warning' | 'Info';

/** One finding about one resource. */
export interface AnalysisMessage {
  level: Level;
  code: string;
  /** The Istio message name, e.g. ReferencedResourceNotFound. */
  name: string;
  kind: string;
  namespace: string;
  resourceName: string;
  file?: string;
  line?: number;
  text: string;
}

const LEVEL_RANK: Record<Level, number> = { Error: 0, Warning: 1, Info: 2 };

function make(level: Level, code: string, name: string, obj: ConfigObject, line: number | undefined, text: string): AnalysisMessage {
  const m: AnalysisMessage = {
    level,
    code,
    name,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? 'default',
    resourceName: obj.metadata.name,
    text,
  };
  if (obj.source) {
    m.file = obj.source.file;
    m.line = line ?? obj.source.line;
  }
  return m;
}

/** IST0001 InternalError: the control plane could not process the resource (`Internal error: <detail>`). */
export function internalError(ref: { kind: string; namespace: string; name: string; file?: string; line?: number }, detail: string): AnalysisMessage {
  const m: AnalysisMessage = {
    level: 'Error', code: 'IST0001', name: 'InternalError', kind: ref.kind, namespace: ref.namespace || 'default', resourceName: ref.name,
    text: `Internal error: ${detail}`,
  };
  if (ref.file !== undefined) {
    m.file = ref.file;
    m.line = ref.line ?? 1;
  }
  return m;
}

/** IST0106 SchemaValidationError (`Schema validation error: <err>`), or IST0133 SchemaWarning for a warning. */
export function schemaValidation(obj: ConfigObject, line: number | undefined, err: string, warning: boolean): AnalysisMessage {
  return warning ? make('Warning', 'IST0133', 'SchemaWarning', obj, line, `Schema validation warning: ${err}`)
    : make('Error', 'IST0106', 'SchemaValidationError', obj, line, `Schema validation error: ${err}`);
}

/**
 * IST0130 VirtualServiceUnreachableRule (Warning) and IST0131 VirtualServiceIneffectiveMatch (Info): the webhook's
 * warnings that istioctl analyze reports under their own codes; `text` is the webhook's, capitalized as istioctl's.
 */
export function analysisAware(obj: ConfigObject, line: number | undefined, type: AnalysisType, text: string): AnalysisMessage {
  const message = `${text.replace(/^virtualService/, 'VirtualService')}.`;
  return type === 'VirtualServiceUnreachableRule' ? make('Warning', 'IST0130', type, obj, line, message)
    : make('Info', 'IST0131', type, obj, line, message);
}

/** IST0101: `Referenced <what> not found: "<name>"`. */
export function referencedResourceNotFound(obj: ConfigObject, line: number | undefined, what: string, ref: string): AnalysisMessage {
  return make('Error', 'IST0101', 'ReferencedResourceNotFound', obj, line, `Referenced ${what} not found: ${JSON.stringify(ref)}`);
}

/** IST0104: a Gateway server port the selected workload does not expose. */
export function gatewayPortNotOnWorkload(obj: ConfigObject, line: number | undefined, selector: string, port: number): AnalysisMessage {
  return make('Warning', 'IST0104', 'GatewayPortNotOnWorkload', obj, line, `The gateway refers to a port that is not exposed on the workload (pod selector ${selector}; port ${port})`);
}

/** IST0106: the resource fails validation (schema or Istio's webhook checks); the text names the field path. */
export function schemaValidationError(obj: ConfigObject, line: number | undefined, path: string, reason: string): AnalysisMessage {
  return make('Error', 'IST0106', 'SchemaValidationError', obj, line, `Schema validation error: ${path}: ${reason}`);
}

/** IST0109: two or more mesh VirtualServices define the same host. */
export function conflictingMeshGatewayHosts(obj: ConfigObject, line: number | undefined, vsNames: string, host: string): AnalysisMessage {
  return make(
    'Error',
    'IST0109',
    'ConflictingMeshGatewayVirtualServiceHosts',
    obj,
    line,
    `The VirtualServices ${vsNames} associated with mesh gateway define the same host ${host} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.`,
  );
}

/** `Error [IST0101] (VirtualService ns/name file:line) text`, as istioctl's log output. */
export function formatMessage(m: AnalysisMessage): string {
  const origin = m.file ? ` ${m.file}:${m.line ?? 1}` : '';
  return `${m.level} [${m.code}] (${m.kind} ${m.namespace}/${m.resourceName}${origin}) ${m.text}`;
}

/** Errors first, then warnings, then infos; within a level by resource and text. */
export function sortMessages(ms: readonly AnalysisMessage[]): AnalysisMessage[] {
  return [...ms].sort(
    (a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level] || formatMessage(a).localeCompare(formatMessage(b)),
  );
}
