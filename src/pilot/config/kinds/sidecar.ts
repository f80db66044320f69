// Sidecar (networking.istio.io v1alpha3/v1beta1/v1) spec as its JSON shape (istio.io field names).

export interface SidecarPort {
  number?: number;
  protocol?: string;
  name?: string;
}

export interface IstioEgressListener {
  port?: SidecarPort;
  bind?: string;
  captureMode?: 'DEFAULT' | 'IPTABLES' | 'NONE';
  /** `namespace/dnsName` entries such as `./*` or `istio-system/*` (a `*` namespace means any). */
  hosts: string[];
}

export interface IstioIngressListener {
  port: SidecarPort;
  bind?: string;
  captureMode?: 'DEFAULT' | 'IPTABLES' | 'NONE';
  defaultEndpoint?: string;
}

export interface SidecarSpec {
  workloadSelector?: { labels?: Record<string, string> };
  ingress?: IstioIngressListener[];
  egress?: IstioEgressListener[];
  outboundTrafficPolicy?: { mode?: 'ALLOW_ANY' | 'REGISTRY_ONLY'; egressProxy?: unknown };
}
