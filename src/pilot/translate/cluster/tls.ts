// DestinationRule tls / auto mTLS -> the cluster's transport socket (istiod's cluster_tls.go). Deviation: no SDS
// client in our proxy, so SIMPLE/MUTUAL files are inline `filename` DataSources; ISTIO_MUTUAL may take files.
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { Cluster_DiscoveryType, Cluster_TransportSocketMatchSchema } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { DataSourceSchema, TransportSocketSchema, type TransportSocket } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import { UpstreamHttpProtocolOptionsSchema } from '../../../xds/gen/envoy/config/core/v3/protocol_pb.js';
import { RawBufferSchema } from '../../../xds/gen/envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer_pb.js';
import {
  CertificateValidationContextSchema, TlsCertificateSchema, TlsParametersSchema, TlsParameters_TlsProtocol,
  type CertificateValidationContext,
} from '../../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import {
  CommonTlsContextSchema, CommonTlsContext_CombinedCertificateValidationContextSchema, UpstreamTlsContextSchema,
  type CommonTlsContext, type UpstreamTlsContext,
} from '../../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { StringMatcherSchema } from '../../../xds/gen/envoy/type/matcher/v3/string_pb.js';
import type { ClientTLSSettings } from '../../config/kinds/destination-rule.js';
import { httpOptions, isHttp2, type ClusterDraft } from './draft.js';
import { clusterType } from './load-balancer.js';
import { SDS_DEFAULT, SDS_ROOT, sdsSecretConfig } from './sds.js';
import type { MtlsMode } from '../../security/peer-authentication.js';

/** File paths of the workload certificate, used instead of SDS `default`/`ROOTCA` when given. */
export interface IstioMutualCerts { certChain: string; privateKey: string; rootCert: string }

export const TLS_SOCKET = 'envoy.transport_sockets.tls';
export const RAW_BUFFER_SOCKET = 'envoy.transport_sockets.raw_buffer';
export const ALPN_IN_MESH = ['istio-peer-exchange', 'istio'];
export const ALPN_IN_MESH_H2 = ['istio-peer-exchange', 'istio', 'h2'];

export interface TlsInputs {
  /** SPIFFE identities of the destination's workloads (SANs for ISTIO_MUTUAL). */
  serviceAccounts: string[];
  /** `outbound_.<port>_.<subset>_.<host>`. */
  sni: string;
  autoMtls: boolean;
  /** istiod's BestEffortInferServiceMTLSMode of the destination: auto mTLS only where it is PERMISSIVE or STRICT. */
  serviceMtlsMode: MtlsMode;
  meshExternal: boolean;
  isRouter: boolean;
  /** The DestinationRule has a workloadSelector (credentialName is honoured on sidecars only then). */
  drWithSelector: boolean;
  istioMutualCerts?: IstioMutualCerts;
}

const exact = (names: readonly string[]) => names.map((n) => create(StringMatcherSchema, { matchPattern: { case: 'exact', value: n } }));
const file = (filename: string) => create(DataSourceSchema, { specifier: { case: 'filename', value: filename } });

function commonContext(): CommonTlsContext {
  return create(CommonTlsContextSchema, {
    tlsParams: create(TlsParametersSchema, {
      tlsMaximumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3, tlsMinimumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_2,
    }),
  });
}

export const rawBufferSocket = (): TransportSocket => create(TransportSocketSchema, {
  name: RAW_BUFFER_SOCKET, configType: { case: 'typedConfig', value: anyPack(RawBufferSchema, create(RawBufferSchema)) },
});

const tlsSocket = (ctx: UpstreamTlsContext): TransportSocket => create(TransportSocketSchema, {
  name: TLS_SOCKET, configType: { case: 'typedConfig', value: anyPack(UpstreamTlsContextSchema, ctx) },
});

function istioMutualContext(d: ClusterDraft, tls: ClientTLSSettings, certs: IstioMutualCerts | undefined): UpstreamTlsContext {
  const common = commonContext();
  const sans = exact(tls.subjectAltNames ?? []);
  if (certs !== undefined) {
    common.tlsCertificates = [create(TlsCertificateSchema, { certificateChain: file(certs.certChain), privateKey: file(certs.privateKey) })];
    common.validationContextType = {
      case: 'validationContext',
      value: create(CertificateValidationContextSchema, { trustedCa: file(certs.rootCert), matchSubjectAltNames: sans }),
    };
  } else {
    common.tlsCertificateSdsSecretConfigs = [sdsSecretConfig(SDS_DEFAULT)];
    common.validationContextType = {
      case: 'combinedValidationContext',
      value: create(CommonTlsContext_CombinedCertificateValidationContextSchema, {
        defaultValidationContext: create(CertificateValidationContextSchema, { matchSubjectAltNames: sans }),
        validationContextSdsSecretConfig: sdsSecretConfig(SDS_ROOT),
      }),
    };
  }
  common.alpnProtocols = isHttp2(d) ? ALPN_IN_MESH_H2 : ALPN_IN_MESH;
  return create(UpstreamTlsContextSchema, { commonTlsContext: common, sni: tls.sni || d.cluster.name });
}

/** istiod's setAutoSniAndAutoSanValidation. */
function autoSniSan(d: ClusterDraft, tls: ClientTLSSettings): void {
  const autoSni = !tls.sni;
  const autoSan = autoSni && (tls.subjectAltNames ?? []).length === 0 && tls.insecureSkipVerify !== true;
  if (!autoSni && !autoSan) return;
  const o = httpOptions(d);
  o.upstreamHttpProtocolOptions ??= create(UpstreamHttpProtocolOptionsSchema);
  if (autoSni) o.upstreamHttpProtocolOptions.autoSni = true;
  if (autoSan) o.upstreamHttpProtocolOptions.autoSanValidation = true;
}

/** SIMPLE / MUTUAL: credentialName over SDS, else inline files (CA "system"/empty: no trusted_ca). */
function originationContext(d: ClusterDraft, tls: ClientTLSSettings, mutual: boolean): UpstreamTlsContext | undefined {
  const ctx = create(UpstreamTlsContextSchema, { commonTlsContext: commonContext(), sni: tls.sni ?? '' });
  const common = ctx.commonTlsContext as CommonTlsContext;
  autoSniSan(d, tls);
  const sans = exact(tls.subjectAltNames ?? []);
  if (tls.credentialName) {
    common.tlsCertificateSdsSecretConfigs = mutual ? [sdsSecretConfig(`kubernetes://${tls.credentialName}`)] : [];
    common.validationContextType = {
      case: 'combinedValidationContext',
      value: create(CommonTlsContext_CombinedCertificateValidationContextSchema, {
        defaultValidationContext: create(CertificateValidationContextSchema, { matchSubjectAltNames: sans }),
        validationContextSdsSecretConfig: sdsSecretConfig(`kubernetes://${tls.credentialName}-cacert`),
      }),
    };
  } else {
    if (mutual) {
      // Istio rejects MUTUAL without both files and leaves the cluster without TLS.
      if (!tls.clientCertificate || !tls.privateKey) return undefined;
      common.tlsCertificates = [create(TlsCertificateSchema, { certificateChain: file(tls.clientCertificate), privateKey: file(tls.privateKey) })];
    }
    const ca = tls.caCertificates ?? '';
    let vc: CertificateValidationContext = create(CertificateValidationContextSchema);
    if (tls.insecureSkipVerify !== true) {
      vc = create(CertificateValidationContextSchema, { matchSubjectAltNames: sans });
      if (ca !== '' && ca !== 'system') vc.trustedCa = file(ca);
    }
    common.validationContextType = { case: 'validationContext', value: vc };
  }
  if (isHttp2(d)) common.alpnProtocols = ['h2'];
  return ctx;
}

/** The TLS settings to apply and whether they were auto-detected (istiod's buildUpstreamTLSSettings). */
export function effectiveTls(tls: ClientTLSSettings | undefined, inp: TlsInputs): { tls?: ClientTLSSettings; auto: boolean } {
  if (tls !== undefined) {
    if (tls.mode !== 'ISTIO_MUTUAL') return { tls, auto: false };
    return { tls: { mode: 'ISTIO_MUTUAL', sni: tls.sni || inp.sni, subjectAltNames: tls.subjectAltNames ?? inp.serviceAccounts }, auto: false };
  }
  if (inp.meshExternal || !inp.autoMtls || inp.serviceMtlsMode === 'UNKNOWN' || inp.serviceMtlsMode === 'DISABLE') return { auto: false };
  return { tls: { mode: 'ISTIO_MUTUAL', sni: inp.sni, subjectAltNames: inp.serviceAccounts }, auto: true };
}

/** Sets transport_socket, or for auto mTLS the tlsMode-istio / tlsMode-disabled socket matches. */
export function applyUpstreamTls(d: ClusterDraft, policyTls: ClientTLSSettings | undefined, inp: TlsInputs): void {
  const { tls, auto } = effectiveTls(policyTls, inp);
  if (tls === undefined) return;
  let ctx: UpstreamTlsContext | undefined;
  const privileged = !!tls.credentialName && !tls.credentialName.startsWith('configmap://');
  if (privileged && !inp.isRouter && !inp.drWithSelector && (tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL')) return;
  switch (tls.mode ?? 'DISABLE') {
    case 'DISABLE': break;
    case 'ISTIO_MUTUAL': ctx = istioMutualContext(d, tls, inp.istioMutualCerts); break;
    case 'SIMPLE': ctx = originationContext(d, tls, false); break;
    case 'MUTUAL': ctx = originationContext(d, tls, true); break;
  }
  if (ctx === undefined) return;
  const socket = tlsSocket(ctx);
  if (auto && clusterType(d) !== Cluster_DiscoveryType.ORIGINAL_DST) {
    d.cluster.transportSocket = undefined;
    d.cluster.transportSocketMatches = [
      create(Cluster_TransportSocketMatchSchema, { name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transportSocket: socket }),
      create(Cluster_TransportSocketMatchSchema, { name: 'tlsMode-disabled', match: {}, transportSocket: rawBufferSocket() }),
    ];
  } else {
    // Headless (ORIGINAL_DST) clusters keep the auto-detected mTLS socket unconditionally, as in Istio.
    d.cluster.transportSocket = socket;
  }
}
