// Input contract of the service registry: plain Kubernetes-style objects, with typed views of
// just the fields the registry reads (Service, Deployment, Pod, ServiceAccount, Namespace, ServiceEntry, WorkloadEntry).
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

export interface ServiceSpecView {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  externalName?: string;
  selector?: Record<string, string>;
  ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string; appProtocol?: string }[];
}

export interface ContainerPortView { name?: string; containerPort: number; protocol?: string }

export interface PodSpecView {
  serviceAccountName?: string;
  serviceAccount?: string;
  containers?: { name?: string; ports?: ContainerPortView[] }[];
}

export interface PodTemplateView { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: PodSpecView }

export interface DeploymentSpecView { replicas?: number; template?: PodTemplateView }

export interface PodStatusView { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] }

export interface WorkloadEntryView {
  address?: string;
  ports?: Record<string, number>;
  labels?: Record<string, string>;
  network?: string;
  locality?: string;
  weight?: number;
  serviceAccount?: string;
}

export interface ServiceEntryView {
  hosts?: string[];
  addresses?: string[];
  ports?: { number: number; protocol?: string; name?: string; targetPort?: number }[];
  location?: string;
  resolution?: string;
  endpoints?: WorkloadEntryView[];
  workloadSelector?: { labels?: Record<string, string> };
  exportTo?: string[];
}

export const specOf = <T>(o: KubeObject): T => (o.spec ?? {}) as T;
export const statusOf = <T>(o: KubeObject): T | undefined => o.status as T | undefined;

/** Namespace of a namespaced object; the registry's default namespace when the YAML has none (as `kubectl -n`). */
export const namespaceOf = (o: KubeObject, fallback: string): string => o.metadata.namespace || fallback;
