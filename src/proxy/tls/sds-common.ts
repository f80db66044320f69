// A CommonTlsContext whose certificates or trust come over SDS: the secrets it names, and the context
// with their current content in place (tls_certificates, validation_context), merged as Envoy does.
import { clone, create, mergeFromBinary, toBinary } from '@bufbuild/protobuf';
import { CommonTlsContextSchema, type CommonTlsContext } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { CertificateValidationContextSchema } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import type { PathSeg } from '../bootstrap/config-error.js';
import type { SecretHandle } from '../secret/secret-handle.js';
import { secretManager } from '../secret/secret-manager.js';

/** The SDS secrets a CommonTlsContext names. */
export interface SdsRefs {
  readonly certs: readonly SecretHandle[];
  readonly validation: SecretHandle | null;
}

/** The secrets `common` takes from SDS (or static secrets by name); `path` is its field path. */
export function sdsRefs(common: CommonTlsContext | undefined, path: readonly PathSeg[]): SdsRefs {
  if (common === undefined) return { certs: [], validation: null };
  const certs = common.tlsCertificateSdsSecretConfigs.map((c, i) =>
    secretManager.find(c, [...path, 'tls_certificate_sds_secret_configs', i]));
  const vc = common.validationContextType;
  let validation: SecretHandle | null = null;
  if (vc.case === 'validationContextSdsSecretConfig') {
    validation = secretManager.find(vc.value, [...path, 'validation_context_sds_secret_config']);
  } else if (vc.case === 'combinedValidationContext' && vc.value.validationContextSdsSecretConfig !== undefined) {
    validation = secretManager.find(vc.value.validationContextSdsSecretConfig,
      [...path, 'combined_validation_context', 'validation_context_sds_secret_config']);
  }
  return { certs, validation };
}

/** Whether any secret comes from SDS or static secrets. */
export function usesSecrets(refs: SdsRefs): boolean {
  return refs.certs.length > 0 || refs.validation !== null;
}

/**
 * `common` with each named secret's content in place: certificates appended to tls_certificates, and the
 * validation context the secret's own (merged over default_validation_context, as Envoy's MergeFrom).
 * Undefined while a secret has not arrived; a secret of the wrong kind is a string (the reason).
 */
export function resolveCommon(common: CommonTlsContext, refs: SdsRefs): CommonTlsContext | string | undefined {
  const out = clone(CommonTlsContextSchema, common);
  out.tlsCertificateSdsSecretConfigs = [];
  for (const h of refs.certs) {
    const s = h.secret;
    if (s === undefined) return undefined;
    if (s.type.case !== 'tlsCertificate') return `secret ${h.name} is not a tls_certificate`;
    out.tlsCertificates.push(s.type.value);
  }
  if (refs.validation !== null) {
    const s = refs.validation.secret;
    if (s === undefined) return undefined;
    if (s.type.case !== 'validationContext') return `secret ${refs.validation.name} is not a validation_context`;
    const vc = common.validationContextType;
    const merged = vc.case === 'combinedValidationContext' && vc.value.defaultValidationContext !== undefined
      ? clone(CertificateValidationContextSchema, vc.value.defaultValidationContext)
      : create(CertificateValidationContextSchema);
    mergeFromBinary(CertificateValidationContextSchema, merged, toBinary(CertificateValidationContextSchema, s.type.value));
    out.validationContextType = { case: 'validationContext', value: merged };
  }
  return out;
}
