// A gateway server's DownstreamTlsContext. Istio hands credentialName to SDS (`kubernetes://<name>`);
// Strait's proxy has no SDS, so the Kubernetes TLS secret is read here and sent inline.
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { DataSourceSchema, TransportSocketSchema, type DataSource, type TransportSocket } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import { TlsParametersSchema, TlsParameters_TlsProtocol, type TlsParameters } from '../../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { DownstreamTlsContextSchema } from '../../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { ServerTLSSettings } from '../../config/kinds/gateway.js';
import type { PushContext } from '../../model/push-context.js';

/** istiod's ALPN for terminated HTTPS gateway servers. */
export const GATEWAY_ALPN = ['h2', 'http/1.1'];

interface Material { cert: DataSource; key: DataSource; ca?: DataSource }

const inline = (b64: string): DataSource => create(DataSourceSchema, { specifier: { case: 'inlineBytes', value: new Uint8Array(Buffer.from(b64, 'base64')) } });
const file = (path: string): DataSource => create(DataSourceSchema, { specifier: { case: 'filename', value: path } });

/**
 * The certificate material of a server: credentialName's secret in the gateway's namespace
 * (tls.crt/tls.key, CA from ca.crt or the `<name>-cacert` secret), else the file fields.
 */
function material(push: PushContext, namespace: string, tls: ServerTLSSettings): Material | string {
  if (tls.credentialName) {
    const name = tls.credentialName.replace(/^kubernetes:\/\//, '');
    const s = push.secret(namespace, name);
    if (s === undefined) return `secret ${namespace}/${name} not found`;
    const crt = s['tls.crt'] ?? s['cert'];
    const key = s['tls.key'] ?? s['key'];
    if (crt === undefined || key === undefined) return `secret ${namespace}/${name} has no tls.crt/tls.key`;
    const caData = s['ca.crt'] ?? s['cacert'] ?? push.secret(namespace, `${name}-cacert`)?.['ca.crt'] ?? push.secret(namespace, `${name}-cacert`)?.['cacert'];
    return { cert: inline(crt), key: inline(key), ca: caData !== undefined ? inline(caData) : undefined };
  }
  if (tls.serverCertificate && tls.privateKey) {
    return { cert: file(tls.serverCertificate), key: file(tls.privateKey), ca: tls.caCertificates ? file(tls.caCertificates) : undefined };
  }
  return 'server has neither credentialName nor serverCertificate/privateKey';
}

const PROTOCOLS: Record<string, TlsParameters_TlsProtocol> = {
  TLSV1_0: TlsParameters_TlsProtocol.TLSv1_0, TLSV1_1: TlsParameters_TlsProtocol.TLSv1_1,
  TLSV1_2: TlsParameters_TlsProtocol.TLSv1_2, TLSV1_3: TlsParameters_TlsProtocol.TLSv1_3,
};

/** istiod's applyServerTLSSettings: min/max protocol (TLS_AUTO = unset) and cipher suites; undefined when none set. */
function tlsParams(tls: ServerTLSSettings): TlsParameters | undefined {
  const min = PROTOCOLS[(tls.minProtocolVersion ?? '').toUpperCase()];
  const max = PROTOCOLS[(tls.maxProtocolVersion ?? '').toUpperCase()];
  const ciphers = tls.cipherSuites ?? [];
  if (min === undefined && max === undefined && ciphers.length === 0) return undefined;
  return create(TlsParametersSchema, {
    tlsMinimumProtocolVersion: min ?? TlsParameters_TlsProtocol.TLS_AUTO,
    tlsMaximumProtocolVersion: max ?? TlsParameters_TlsProtocol.TLS_AUTO,
    cipherSuites: ciphers,
  });
}

/** The TLS transport socket of a SIMPLE or MUTUAL server, or why it cannot be built. */
export function gatewayTransportSocket(push: PushContext, namespace: string, tls: ServerTLSSettings): TransportSocket | string {
  const m = material(push, namespace, tls);
  if (typeof m === 'string') return m;
  const mutual = tls.mode === 'MUTUAL' || tls.mode === 'OPTIONAL_MUTUAL';
  if (mutual && m.ca === undefined) return 'MUTUAL server has no CA certificate';
  const ctx = create(DownstreamTlsContextSchema, {
    commonTlsContext: {
      tlsCertificates: [{ certificateChain: m.cert, privateKey: m.key }],
      alpnProtocols: GATEWAY_ALPN,
      tlsParams: tlsParams(tls),
      validationContextType: mutual && m.ca !== undefined
        ? { case: 'validationContext', value: { trustedCa: m.ca } } : { case: undefined },
    },
    requireClientCertificate: tls.mode === 'MUTUAL',
  });
  return create(TransportSocketSchema, { name: 'envoy.transport_sockets.tls', configType: { case: 'typedConfig', value: anyPack(DownstreamTlsContextSchema, ctx) } });
}
