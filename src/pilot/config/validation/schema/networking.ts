// The spec schemas of networking.istio.io (VirtualService, DestinationRule, Gateway, ServiceEntry,
// Sidecar, WorkloadEntry, WorkloadGroup), written from the openAPIV3Schema of Istio's CRDs.
import { any, arr, bool, dur, int, map, num, obj, oneOf, range, str, strMap, strs, uint, type Schema } from './types.js';

const stringMatch = obj({ exact: str, prefix: str, regex: str });
const portSelector = obj({ number: uint });
const destination = obj({ host: str, port: portSelector, subset: str }, 'host');
const headerOps = obj({ set: strMap, add: strMap, remove: strs });
const headers = obj({ request: headerOps, response: headerOps });
const percent = obj({ value: num });
/** WorkloadSelector of Sidecar and ServiceEntry. */
export const workloadLabels = obj({ labels: strMap });
/** istio.type.v1beta1.WorkloadSelector (DestinationRule, security and telemetry kinds). */
export const matchLabels = obj({ matchLabels: strMap });
/** PolicyTargetReference. */
export const targetRef = obj({ group: str, kind: str, name: str, namespace: str }, 'kind', 'name');
const natural: Schema = { type: 'integer', minimum: 0 };

const http = obj({
  name: str,
  match: arr(obj({
    name: str, uri: stringMatch, scheme: stringMatch, method: stringMatch, authority: stringMatch,
    headers: map(stringMatch), port: uint, sourceLabels: strMap, gateways: strs, queryParams: map(stringMatch),
    ignoreUriCase: bool, withoutHeaders: map(stringMatch), sourceNamespace: str, statPrefix: str,
  })),
  route: arr(obj({ destination, weight: int, headers }, 'destination')),
  redirect: obj({
    uri: str, authority: str, port: uint, derivePort: oneOf('FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'),
    scheme: str, redirectCode: uint, prefixRewrite: str,
  }),
  directResponse: obj({ status: uint, body: obj({ string: str, bytes: str }) }, 'status'),
  delegate: obj({ name: str, namespace: str }),
  rewrite: obj({ uri: str, authority: str, uriRegexRewrite: obj({ match: str, rewrite: str }) }),
  timeout: dur,
  retries: obj({
    attempts: int, perTryTimeout: dur, retryOn: str, retryRemoteLocalities: bool, retryIgnorePreviousHosts: bool, backoff: dur,
  }),
  fault: obj({
    delay: obj({ fixedDelay: dur, exponentialDelay: dur, percentage: percent, percent: int }),
    abort: obj({ httpStatus: int, grpcStatus: str, http2Error: str, percentage: percent }),
  }),
  mirror: destination,
  mirrors: arr(obj({ destination, percentage: percent }, 'destination')),
  mirrorPercent: uint,
  mirror_percent: uint,
  mirrorPercentage: percent,
  corsPolicy: obj({
    allowOrigin: strs, allowOrigins: arr(stringMatch), allowMethods: strs, allowHeaders: strs, exposeHeaders: strs,
    maxAge: dur, allowCredentials: bool, unmatchedPreflights: oneOf('UNSPECIFIED', 'FORWARD', 'IGNORE'),
  }),
  headers,
});

const l4Match = { destinationSubnets: strs, port: uint, sourceLabels: strMap, gateways: strs, sourceNamespace: str };
const l4Route = arr(obj({ destination, weight: int }, 'destination'));

const virtualService = obj({
  hosts: strs, gateways: strs, exportTo: strs, http: arr(http),
  tls: arr(obj({ match: arr(obj({ ...l4Match, sniHosts: strs }, 'sniHosts')), route: l4Route }, 'match')),
  tcp: arr(obj({ match: arr(obj({ ...l4Match, sourceSubnet: str })), route: l4Route })),
});

const keepalive = obj({ interval: dur, timeout: dur });
/** ConnectionPoolSettings (DestinationRule, Sidecar). */
const connectionPool = obj({
  tcp: obj({
    maxConnections: int, connectTimeout: dur, tcpKeepalive: obj({ probes: uint, time: dur, interval: dur }),
    maxConnectionDuration: dur, idleTimeout: str,
  }),
  http: obj({
    http1MaxPendingRequests: int, http2MaxRequests: int, maxRequestsPerConnection: int, maxRetries: int, idleTimeout: dur,
    h2UpgradePolicy: oneOf('DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'), useClientProtocol: bool, maxConcurrentStreams: int,
    http2KeepAlive: keepalive,
  }),
});

const failover = arr(obj({ from: str, to: str }));
const loadBalancer = obj({
  simple: oneOf('UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'),
  consistentHash: obj({
    httpHeaderName: str, useSourceIp: bool, httpQueryParameterName: str,
    httpCookie: obj({ name: str, path: str, ttl: str, attributes: arr(obj({ name: str, value: str }, 'name')) }, 'name'),
    ringHash: obj({ minimumRingSize: natural }), maglev: obj({ tableSize: natural }), minimumRingSize: natural,
  }),
  localityLbSetting: obj({ distribute: arr(obj({ from: str, to: map(uint) })), failover, failoverPriority: strs, enabled: bool }),
  warmupDurationSecs: dur,
  warmup: obj({ duration: dur, minimumPercent: range(0, 100), aggression: { type: 'number', minimum: 1 } }, 'duration'),
  zoneAwareLbSetting: obj({ enabled: bool, failover, failoverPriority: strs, minClusterSize: range(1, 4294967295, 'integer') }),
});

const outlierDetection = obj({
  consecutiveErrors: int, consecutive5xxErrors: uint, consecutiveGatewayErrors: uint, consecutiveLocalOriginFailures: uint,
  splitExternalLocalOriginErrors: bool, interval: dur, baseEjectionTime: dur, maxEjectionPercent: int, minHealthPercent: int,
  outlierDetectionHttpErrorCodes: arr(range(100, 599, 'integer')),
});

const clientTls = obj({
  mode: oneOf('DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'), clientCertificate: str, privateKey: str, caCertificates: str,
  credentialName: str, subjectAltNames: strs, sni: str, insecureSkipVerify: bool, caCrl: str,
});

const portPolicy = { loadBalancer, connectionPool, outlierDetection, tls: clientTls };
const trafficPolicy = obj({
  ...portPolicy,
  portLevelSettings: arr(obj({ port: portSelector, ...portPolicy })),
  tunnel: obj({ protocol: str, targetHost: str, targetPort: uint }, 'targetHost', 'targetPort'),
  proxyProtocol: obj({ version: oneOf('V1', 'V2') }),
  retryBudget: obj({ percent: range(0, 100), minRetryConcurrency: uint, budgetInterval: str }),
});

const destinationRule = obj({
  host: str, trafficPolicy, subsets: arr(obj({ name: str, labels: strMap, trafficPolicy }, 'name')),
  exportTo: strs, workloadSelector: matchLabels,
}, 'host');

/** ServerTLSSettings (Gateway servers, Sidecar ingress). */
const tlsVersion = oneOf('TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3');
const serverTls = obj({
  httpsRedirect: bool, mode: oneOf('PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'),
  serverCertificate: str, privateKey: str, caCertificates: str, caCrl: str, credentialName: str, credentialNames: strs,
  caCertCredentialName: str, tlsCertificates: arr(obj({ serverCertificate: str, privateKey: str, caCertificates: str })),
  subjectAltNames: strs, verifyCertificateSpki: strs, verifyCertificateHash: strs,
  minProtocolVersion: tlsVersion, maxProtocolVersion: tlsVersion, cipherSuites: strs, insecureSkipVerify: bool,
});

const gateway = obj({
  servers: arr(obj({
    port: obj({ number: uint, protocol: str, name: str, targetPort: uint }, 'number', 'protocol', 'name'),
    bind: str, hosts: strs, tls: serverTls, defaultEndpoint: str, name: str,
  }, 'port', 'hosts')),
  selector: strMap,
});

/** WorkloadEntry's spec, also a ServiceEntry endpoint and a WorkloadGroup template. */
const workloadEntry = obj({
  address: str, ports: map(uint), labels: strMap, network: str, locality: str, weight: uint, serviceAccount: str,
});

const serviceEntry = obj({
  hosts: strs, addresses: strs,
  ports: arr(obj({ number: uint, protocol: str, name: str, targetPort: uint }, 'number', 'name')),
  location: oneOf('MESH_EXTERNAL', 'MESH_INTERNAL'),
  resolution: oneOf('NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'),
  endpoints: arr(workloadEntry), workloadSelector: workloadLabels, exportTo: strs, subjectAltNames: strs,
}, 'hosts');

const sidecarPort = obj({ number: uint, protocol: str, name: str, targetPort: uint });
const captureMode = oneOf('DEFAULT', 'IPTABLES', 'NONE');
const sidecar = obj({
  workloadSelector: workloadLabels,
  ingress: arr(obj({
    port: sidecarPort, bind: str, captureMode, defaultEndpoint: str, tls: serverTls, connectionPool,
  }, 'port')),
  egress: arr(obj({ port: sidecarPort, bind: str, captureMode, hosts: strs }, 'hosts')),
  inboundConnectionPool: connectionPool,
  outboundTrafficPolicy: obj({ mode: oneOf('REGISTRY_ONLY', 'ALLOW_ANY'), egressProxy: destination }),
});

const workloadGroup = obj({
  metadata: obj({ labels: strMap, annotations: strMap }),
  template: workloadEntry,
  probe: obj({
    initialDelaySeconds: int, timeoutSeconds: int, periodSeconds: int, successThreshold: int, failureThreshold: int,
    httpGet: obj({ path: str, port: uint, host: str, scheme: str, httpHeaders: arr(obj({ name: str, value: str })) }, 'port'),
    tcpSocket: obj({ host: str, port: uint }, 'port'),
    exec: obj({ command: strs }),
  }),
}, 'template');

/** networking.istio.io/v1beta1 ProxyConfig (concurrency is an Int32Value, at least 0). */
const proxyConfig = obj({
  selector: matchLabels,
  concurrency: { type: 'integer', minimum: 0, maximum: 2147483647 },
  environmentVariables: strMap,
  image: obj({ imageType: str }),
});

/** Spec schema per networking.istio.io kind. */
export const NETWORKING_SPECS: Readonly<Record<string, Schema>> = {
  VirtualService: virtualService,
  DestinationRule: destinationRule,
  Gateway: gateway,
  ServiceEntry: serviceEntry,
  Sidecar: sidecar,
  WorkloadEntry: workloadEntry,
  WorkloadGroup: workloadGroup,
  ProxyConfig: proxyConfig,
};
