// Protocol selection as Istio's: port-name prefixes, appProtocol first, ServiceEntry protocols;
// anything unrecognised is 'Unsupported' (sniffed / auto-detected by the proxy).
export type Protocol = 'GRPC' | 'GRPC-Web' | 'HTTP' | 'HTTP_PROXY' | 'HTTP2' | 'HTTPS' | 'TCP' | 'TLS' | 'UDP'
  | 'Mongo' | 'Redis' | 'MySQL' | 'SCTP' | 'Unsupported';

const NAMES: Record<string, Protocol> = {
  tcp: 'TCP', udp: 'UDP', grpc: 'GRPC', 'grpc-web': 'GRPC-Web', http: 'HTTP', http_proxy: 'HTTP_PROXY',
  http2: 'HTTP2', https: 'HTTPS', tls: 'TLS', mongo: 'Mongo', redis: 'Redis', mysql: 'MySQL', sctp: 'SCTP',
};

/** A protocol name, case-insensitive (Istio's protocol.Parse). */
export function parseProtocol(s: string | undefined): Protocol {
  return (s && NAMES[s.toLowerCase()]) || 'Unsupported';
}

/** Kubernetes appProtocol values, including the kubernetes.io/ ones. */
function parseAppProtocol(s: string): Protocol {
  switch (s.toLowerCase()) {
    case 'kubernetes.io/h2c': return 'HTTP2';
    case 'kubernetes.io/ws': case 'kubernetes.io/wss': return 'HTTP';
    default: return parseProtocol(s);
  }
}

/** Protocol of a Kubernetes service port: L4 protocol UDP/SCTP, then appProtocol, then the name. */
export function kubePortProtocol(name: string | undefined, l4?: string, appProtocol?: string): Protocol {
  const l4u = (l4 ?? 'TCP').toUpperCase();
  if (l4u === 'UDP') return 'UDP';
  if (l4u === 'SCTP') return 'SCTP';
  if (appProtocol) {
    const p = parseAppProtocol(appProtocol);
    if (p !== 'Unsupported') return p;
  }
  return protocolFromPortName(name ?? '');
}

/** `<protocol>[-<suffix>]`; grpc-web is matched before the first dash. */
export function protocolFromPortName(name: string): Protocol {
  const n = name.toLowerCase();
  if (n === 'grpc-web' || n.startsWith('grpc-web-')) return 'GRPC-Web';
  const dash = n.indexOf('-');
  return parseProtocol(dash >= 0 ? n.slice(0, dash) : n);
}

export const isHttpProtocol = (p: Protocol): boolean =>
  p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web' || p === 'HTTP_PROXY';
