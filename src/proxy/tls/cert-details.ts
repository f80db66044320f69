// Envoy's /certs: for each TLS context in use, the details (envoy.admin.v3.CertificateDetails) of its
// CA certificate and its certificate chain: path, serial, SANs, days until expiration, validity.
import { X509Certificate } from 'node:crypto';
import type { DataSource } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { CommonTlsContext } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { dataSourceName, readDataSourceBytes } from './data-source.js';

const DAY_MS = 86_400_000;

/** `URI:spiffe://a, DNS:b` -> Envoy's SubjectAlternateName list. */
function sans(cert: X509Certificate): Record<string, string>[] {
  return (cert.subjectAltName ?? '').split(', ').filter((s) => s !== '').map((s): Record<string, string> => {
    const i = s.indexOf(':');
    const kind = s.slice(0, i);
    const value = s.slice(i + 1);
    return { [kind === 'URI' ? 'uri' : kind === 'IP Address' ? 'ip_address' : 'dns']: value };
  });
}

/** The first certificate of a DataSource, as Envoy describes it; undefined when it cannot be read. */
function details(ds: DataSource | undefined, now: number): Record<string, unknown> | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readDataSourceBytes(ds, []));
  } catch {
    return undefined;
  }
  const notAfter = Date.parse(cert.validTo);
  return {
    path: dataSourceName(ds),
    serial_number: cert.serialNumber.toLowerCase(),
    subject_alt_names: sans(cert),
    days_until_expiration: String(Math.max(0, Math.floor((notAfter - now) / DAY_MS))),
    valid_from: new Date(cert.validFrom).toISOString(),
    expiration_time: new Date(notAfter).toISOString(),
  };
}

/** envoy.admin.v3.Certificate of one context (SDS secrets already in place). */
export function contextCertificates(common: CommonTlsContext, now = Date.now()): Record<string, unknown> {
  const vc = common.validationContextType;
  const ca = vc.case === 'validationContext' ? details(vc.value.trustedCa, now)
    : vc.case === 'combinedValidationContext' ? details(vc.value.defaultValidationContext?.trustedCa, now) : undefined;
  const chain = common.tlsCertificates.map((c) => details(c.certificateChain, now)).filter((d) => d !== undefined);
  return { ca_cert: ca === undefined ? [] : [ca], cert_chain: chain };
}
