// The spec schemas of security.istio.io (PeerAuthentication, AuthorizationPolicy,
// RequestAuthentication) and telemetry.istio.io Telemetry, from Istio's CRD openAPIV3Schema.
import { arr, bool, dur, map, nonEmpty, obj, oneOf, range, str, strs, type Schema } from './types.js';
import { matchLabels, targetRef } from './networking.js';

const policyTarget = { selector: matchLabels, targetRef, targetRefs: arr(targetRef) };
const mtls = obj({ mode: oneOf('UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT') });

const peerAuthentication = obj({ selector: matchLabels, mtls, portLevelMtls: map(mtls) });

const source = obj(Object.fromEntries([
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks',
].map((k) => [k, strs])));
const operation = obj(Object.fromEntries(['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'].map((k) => [k, strs])));

const authorizationPolicy = obj({
  ...policyTarget,
  rules: arr(obj({
    from: arr(obj({ source })), to: arr(obj({ operation })),
    when: arr(obj({ key: str, values: strs, notValues: strs }, 'key')),
  })),
  action: oneOf('ALLOW', 'DENY', 'AUDIT', 'CUSTOM'),
  provider: obj({ name: str }),
});

const nonEmpties = arr(nonEmpty);
const requestAuthentication = obj({
  ...policyTarget,
  jwtRules: arr(obj({
    issuer: nonEmpty, audiences: nonEmpties, jwksUri: nonEmpty, jwks_uri: nonEmpty, jwks: str,
    fromHeaders: arr(obj({ name: nonEmpty, prefix: str }, 'name')), fromParams: nonEmpties, fromCookies: nonEmpties,
    outputPayloadToHeader: str, forwardOriginalToken: bool,
    outputClaimToHeaders: arr(obj({ header: nonEmpty, claim: nonEmpty }, 'header', 'claim')),
    spaceDelimitedClaims: nonEmpties, timeout: dur,
  })),
});

const providers = arr(obj({ name: nonEmpty }, 'name'));
const workloadMode = oneOf('CLIENT_AND_SERVER', 'CLIENT', 'SERVER');
const telemetry = obj({
  ...policyTarget,
  tracing: arr(obj({
    match: obj({ mode: workloadMode }), providers, randomSamplingPercentage: range(0, 100), disableSpanReporting: bool,
    customTags: map(obj({
      literal: obj({ value: nonEmpty }, 'value'),
      environment: obj({ name: nonEmpty, defaultValue: str }, 'name'),
      header: obj({ name: nonEmpty, defaultValue: str }, 'name'),
    })),
    useRequestIdForTraceSampling: bool,
  })),
  metrics: arr(obj({
    providers,
    overrides: arr(obj({
      match: obj({
        metric: oneOf('ALL_METRICS', 'REQUEST_COUNT', 'REQUEST_DURATION', 'REQUEST_SIZE', 'RESPONSE_SIZE', 'TCP_OPENED_CONNECTIONS',
          'TCP_CLOSED_CONNECTIONS', 'TCP_SENT_BYTES', 'TCP_RECEIVED_BYTES', 'GRPC_REQUEST_MESSAGES', 'GRPC_RESPONSE_MESSAGES'),
        customMetric: nonEmpty, mode: workloadMode,
      }),
      disabled: bool,
      tagOverrides: map(obj({ operation: oneOf('UPSERT', 'REMOVE'), value: str })),
    })),
    reportingInterval: dur,
  })),
  accessLogging: arr(obj({ match: obj({ mode: workloadMode }), providers, disabled: bool, filter: obj({ expression: str }) })),
});

/** Spec schema per security.istio.io and telemetry.istio.io kind. */
export const SECURITY_SPECS: Readonly<Record<string, Schema>> = {
  PeerAuthentication: peerAuthentication,
  AuthorizationPolicy: authorizationPolicy,
  RequestAuthentication: requestAuthentication,
  Telemetry: telemetry,
};
