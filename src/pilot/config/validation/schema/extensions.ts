// The spec schema of extensions.istio.io WasmPlugin, written from the openAPIV3Schema of Istio's CRD
// (its pattern, list-map and CEL rules are checked in wasm-plugin.ts).
import { any, arr, int, obj, oneOf, range, str, type Schema } from './types.js';
import { matchLabels, targetRef } from './networking.js';

const len = (minLength: number): Schema => ({ type: 'string', minLength });

const wasmPlugin = obj({
  selector: matchLabels,
  targetRef,
  targetRefs: arr(targetRef),
  url: len(1),
  sha256: str,
  imagePullPolicy: oneOf('UNSPECIFIED_POLICY', 'IfNotPresent', 'Always'),
  imagePullSecret: len(1),
  verificationKey: str,
  pluginConfig: any,
  pluginName: len(1),
  phase: oneOf('UNSPECIFIED_PHASE', 'AUTHN', 'AUTHZ', 'STATS'),
  priority: int,
  vmConfig: obj({ env: arr(obj({ name: len(1), value: str, valueFrom: oneOf('INLINE', 'HOST') }, 'name')) }),
  match: arr(obj({
    mode: oneOf('UNDEFINED', 'CLIENT', 'SERVER', 'CLIENT_AND_SERVER'),
    ports: arr(obj({ number: range(1, 65535, 'integer') }, 'number')),
  })),
  type: oneOf('UNSPECIFIED_PLUGIN_TYPE', 'HTTP', 'NETWORK'),
  failStrategy: oneOf('FAIL_CLOSE', 'FAIL_OPEN', 'FAIL_RELOAD'),
}, 'url');

/** Spec schema per extensions.istio.io kind. */
export const EXTENSIONS_SPECS: Readonly<Record<string, Schema>> = { WasmPlugin: wasmPlugin };
