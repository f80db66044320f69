// validateObject: the checks an apiserver with Istio's validating webhook makes, in its order: strict
// decoding (unknown fields), the object's validation (metadata, the kind's structural schema), then
// the per-kind semantic validator; the first step that finds errors refuses the object.
import type { ConfigObject } from '../object.js';
import { lookupKind, notAppliedWarning } from '../kinds.js';
import { documentOf } from '../yaml-loader.js';
import { Findings, formatFinding, type FieldError, type Finding, type RefusalStage, type ValidationResult } from './field-error.js';
import { asObj, isDns1123Label, isDns1123Subdomain, type Obj } from './common.js';
import { checkStructure, type StructuralFinding } from './schema/check.js';
import { documentSchema } from './schema/index.js';
import * as net from './networking.js';
import * as sec from './security.js';
import * as k8s from './kubernetes.js';
import * as wl from './workload.js';
import { validateTelemetry } from './telemetry.js';
import { validateSidecar } from './sidecar.js';
import { validateServiceEntry } from './serviceentry.js';
import { validateProxyConfig } from './proxy-config.js';
import { validateWasmPlugin } from './wasm-plugin.js';
import { validateEnvoyFilter } from './envoy-filter.js';
import { isMeshConfigMap, meshConfigOfMapData } from '../../model/mesh-config-map.js';

type SpecValidator = (spec: Obj, f: Findings, meta: ConfigObject['metadata']) => void;

const VALIDATORS: Record<string, SpecValidator> = {
  VirtualService: net.validateVirtualService,
  DestinationRule: net.validateDestinationRule,
  Gateway: net.validateGateway,
  ServiceEntry: validateServiceEntry,
  Sidecar: validateSidecar,
  WorkloadEntry: wl.validateWorkloadEntry,
  WorkloadGroup: wl.validateWorkloadGroup,
  Telemetry: validateTelemetry,
  ProxyConfig: validateProxyConfig,
  WasmPlugin: validateWasmPlugin,
  EnvoyFilter: validateEnvoyFilter,
  PeerAuthentication: sec.validatePeerAuthentication,
  AuthorizationPolicy: sec.validateAuthorizationPolicy,
  RequestAuthentication: sec.validateRequestAuthentication,
  Service: k8s.validateService,
};

/** Kinds that need a spec (Istio rejects a missing spec for them). */
const SPEC_REQUIRED = new Set(['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'WorkloadEntry', 'WorkloadGroup', 'WasmPlugin']);

/** True when the object's apiVersion/kind is in the supported table. */
export function isKnownKind(o: Pick<ConfigObject, 'apiVersion' | 'kind'>): boolean {
  return lookupKind(o.apiVersion, o.kind) !== undefined;
}

function checkMetadata(o: ConfigObject, group: string, f: Findings): void {
  const core = group === '' || group === 'apps';
  const name = o.metadata?.name;
  if (typeof name !== 'string' || name === '') f.error('metadata.name', 'name is required');
  else if (core ? !isDns1123Subdomain(name) : !isDns1123Label(name)) {
    f.error('metadata.name', `invalid name "${name}": must be a valid DNS-1123 ${core ? 'subdomain' : 'label'}`);
  }
  const ns = o.metadata?.namespace;
  if (ns !== undefined && (typeof ns !== 'string' || !isDns1123Label(ns))) f.error('metadata.namespace', `invalid namespace "${String(ns)}": must be a DNS-1123 label`);
}

/** Validates one object; an unknown kind yields a single error `unknown kind`. */
export function validateObject(o: ConfigObject): ValidationResult {
  const f = new Findings();
  const info = lookupKind(o.apiVersion, o.kind);
  let stage: RefusalStage = 'validation';
  if (!info) {
    f.error('kind', `unknown kind ${o.kind || '<none>'} (apiVersion ${o.apiVersion || '<none>'})`);
  } else {
    const structural: StructuralFinding[] = [];
    const schema = documentSchema(o.kind);
    if (schema) checkStructure(documentOf(o), schema, '', structural);
    const unknown = structural.filter((s) => s.unknownField);
    if (unknown.length > 0) {
      stage = 'decoding';
      for (const u of unknown) f.error(u.path, u.message);
    } else {
      checkMetadata(o, info.group, f);
      for (const s of structural) f.error(s.path, s.message);
      if (f.errors.length === 0) {
        if (info.group.endsWith('istio.io')) stage = 'admission';
        const spec = asObj(o.spec);
        const v = VALIDATORS[o.kind];
        if (!spec && SPEC_REQUIRED.has(o.kind)) f.error('spec', 'spec is required');
        else if (v && spec) v(spec, f, o.metadata);
        // Strait refuses a mesh config it cannot run (istiod would log it and keep the previous one).
        if (info.notApplied) f.warn('kind', notAppliedWarning(o.kind));
        if (isMeshConfigMap(o)) for (const e of meshConfigOfMapData(spec?.['data']).errors) f.error(e.path, e.message);
      }
    }
  }
  const format = (e: Finding): FieldError => ({ ...e, formatted: formatFinding(o, e.path, e.message) });
  return {
    errors: f.errors.map(format),
    warnings: f.warnings.map(format),
    ...(f.errors.length > 0 ? { stage } : {}),
  };
}
