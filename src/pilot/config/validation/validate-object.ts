// validateObject: metadata checks for every kind plus the per-kind spec validator,
// returning errors and warnings with field paths and file:line formatting.
import type { ConfigObject } from '../object.js';
import { lookupKind } from '../kinds.js';
import { Findings, formatFinding, type ValidationResult } from './field-error.js';
import { asObj, isDns1123Label, isDns1123Subdomain, type Obj } from './common.js';
import * as net from './networking.js';
import * as sec from './security.js';
import * as k8s from './kubernetes.js';

type SpecValidator = (spec: Obj, f: Findings) => void;

const VALIDATORS: Record<string, SpecValidator> = {
  VirtualService: net.validateVirtualService,
  DestinationRule: net.validateDestinationRule,
  Gateway: net.validateGateway,
  ServiceEntry: net.validateServiceEntry,
  Sidecar: net.validateSidecar,
  WorkloadEntry: net.validateWorkloadEntry,
  PeerAuthentication: sec.validatePeerAuthentication,
  AuthorizationPolicy: sec.validateAuthorizationPolicy,
  RequestAuthentication: sec.validateRequestAuthentication,
  Telemetry: sec.validateTelemetry,
  Service: k8s.validateService,
  Deployment: k8s.validateDeployment,
};

/** Kinds that need a spec (Istio rejects a missing spec for them). */
const SPEC_REQUIRED = new Set(['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry']);

/** True when the object's apiVersion/kind is in the supported table. */
export function isKnownKind(o: Pick<ConfigObject, 'apiVersion' | 'kind'>): boolean {
  return lookupKind(o.apiVersion, o.kind) !== undefined;
}

/** Validates one object; an unknown kind yields a single error `unknown kind`. */
export function validateObject(o: ConfigObject): ValidationResult {
  const f = new Findings();
  const info = lookupKind(o.apiVersion, o.kind);
  if (!info) {
    f.error('kind', `unknown kind ${o.kind || '<none>'} (apiVersion ${o.apiVersion || '<none>'})`);
  } else {
    const name = o.metadata?.name;
    if (typeof name !== 'string' || name === '') f.error('metadata.name', 'name is required');
    else if (info.group === '' || info.group === 'apps' ? !isDns1123Subdomain(name) : !isDns1123Label(name)) {
      f.error('metadata.name', `invalid name "${name}": must be a valid DNS-1123 ${info.group === '' || info.group === 'apps' ? 'subdomain' : 'label'}`);
    }
    const ns = o.metadata?.namespace;
    if (ns !== undefined && (typeof ns !== 'string' || !isDns1123Label(ns))) f.error('metadata.namespace', `invalid namespace "${String(ns)}": must be a DNS-1123 label`);
    const spec = asObj(o.spec);
    if (!spec && SPEC_REQUIRED.has(o.kind)) f.error('spec', 'spec is required');
    const v = VALIDATORS[o.kind];
    if (v && spec) v(spec, f);
  }
  return {
    errors: f.errors.map((e) => ({ ...e, formatted: formatFinding(o, e.path, e.message) })),
    warnings: f.warnings.map((e) => ({ ...e, formatted: formatFinding(o, e.path, e.message) })),
  };
}
