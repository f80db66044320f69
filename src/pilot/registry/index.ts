// Public surface of the service registry: the model, the registry, protocol selection, host
// resolution and the address allocator.
export type { KubeObject, ObjectMeta } from './input.js';
export type { Locality, Resolution, Service, ServiceInstance, ServicePort, ServiceSource } from './model.js';
export { spiffeId, TRUST_DOMAIN } from './model.js';
export { type Protocol, isHttpProtocol, kubePortProtocol, parseProtocol, protocolFromPortName } from './protocol.js';
export { type AddressAllocator, LoopbackAllocator } from './address-allocator.js';
export { candidateNames, hostMatches, resolveShortname, visibleTo } from './hostname.js';
export { kubeFqdn, DOMAIN_SUFFIX } from './kube-conversion.js';
export { type RegistryChange, type RegistryOptions, ServiceRegistry } from './registry.js';
