// The basic shape of the Kubernetes kinds Strait reads (ObjectMeta; Namespace, Service, Pod,
// Deployment, ConfigMap, Secret, ServiceAccount): every field named, the deep ones left open.
import { any, arr, bool, int, intOrStr, obj, oneOf, str, strMap, strs, type Schema } from './types.js';

/** metav1.ObjectMeta. */
export const objectMeta = obj({
  name: str, generateName: str, namespace: str, selfLink: str, uid: str, resourceVersion: str, generation: int,
  creationTimestamp: str, deletionTimestamp: str, deletionGracePeriodSeconds: int, labels: strMap, annotations: strMap,
  ownerReferences: arr(any), finalizers: strs, managedFields: arr(any),
});

const protocol = oneOf('TCP', 'UDP', 'SCTP');
const anyList = arr(any);

const container = obj({
  name: str, image: str, command: strs, args: strs, workingDir: str,
  ports: arr(obj({ name: str, containerPort: int, hostPort: int, hostIP: str, protocol }, 'containerPort')),
  env: arr(obj({ name: str, value: str, valueFrom: any }, 'name')), envFrom: anyList,
  resources: any, resizePolicy: anyList, restartPolicy: str, volumeMounts: anyList, volumeDevices: anyList,
  livenessProbe: any, readinessProbe: any, startupProbe: any, lifecycle: any,
  terminationMessagePath: str, terminationMessagePolicy: str, imagePullPolicy: oneOf('Always', 'Never', 'IfNotPresent'),
  securityContext: any, stdin: bool, stdinOnce: bool, tty: bool,
}, 'name');

const podSpec = obj({
  containers: arr(container), initContainers: arr(container), ephemeralContainers: anyList, volumes: anyList,
  serviceAccountName: str, serviceAccount: str, automountServiceAccountToken: bool, restartPolicy: str,
  terminationGracePeriodSeconds: int, activeDeadlineSeconds: int, dnsPolicy: str, dnsConfig: any, nodeSelector: strMap,
  nodeName: str, hostNetwork: bool, hostPID: bool, hostIPC: bool, hostUsers: bool, shareProcessNamespace: bool,
  securityContext: any, imagePullSecrets: anyList, hostname: str, subdomain: str, setHostnameAsFQDN: bool, affinity: any,
  schedulerName: str, tolerations: anyList, hostAliases: anyList, priorityClassName: str, priority: int,
  preemptionPolicy: str, readinessGates: anyList, runtimeClassName: str, enableServiceLinks: bool, overhead: any,
  topologySpreadConstraints: anyList, os: any, schedulingGates: anyList, resourceClaims: anyList, resources: any,
}, 'containers');

const labelSelector = obj({
  matchLabels: strMap, matchExpressions: arr(obj({ key: str, operator: str, values: strs }, 'key', 'operator')),
});

const service = obj({
  ports: arr(obj({ name: str, protocol, appProtocol: str, port: int, targetPort: intOrStr, nodePort: int }, 'port')),
  selector: strMap, clusterIP: str, clusterIPs: strs, type: oneOf('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
  externalIPs: strs, sessionAffinity: str, sessionAffinityConfig: any, loadBalancerIP: str, loadBalancerSourceRanges: strs,
  loadBalancerClass: str, externalName: str, externalTrafficPolicy: str, internalTrafficPolicy: str, healthCheckNodePort: int,
  publishNotReadyAddresses: bool, ipFamilies: strs, ipFamilyPolicy: str, allocateLoadBalancerNodePorts: bool,
  trafficDistribution: str,
});

const deployment = obj({
  replicas: int, selector: labelSelector, template: obj({ metadata: objectMeta, spec: podSpec }), strategy: any,
  minReadySeconds: int, revisionHistoryLimit: int, progressDeadlineSeconds: int, paused: bool,
}, 'selector', 'template');

/** Top-level fields of each Kubernetes kind besides apiVersion, kind and metadata. */
export const KUBERNETES_TOP_LEVEL: Readonly<Record<string, Record<string, Schema>>> = {
  Namespace: { spec: obj({ finalizers: strs }), status: any },
  Service: { spec: service, status: any },
  Pod: { spec: podSpec, status: any },
  Deployment: { spec: deployment, status: any },
  ConfigMap: { data: strMap, binaryData: strMap, immutable: bool },
  Secret: { data: strMap, stringData: strMap, type: str, immutable: bool },
  ServiceAccount: { secrets: anyList, imagePullSecrets: anyList, automountServiceAccountToken: bool },
};
