// Validation of networking.istio.io ServiceEntry after Istio's webhook (ValidateServiceEntry): hosts,
// addresses, ports, endpoints per resolution, selector, exportTo, and the warnings Istio gives.
import { isIP } from 'node:net';
import { Findings } from './field-error.js';
import { asArr, asObj, checkPort, checkWildcardDomain, exportToProblems, isDns1123Label, isFqdn, labelsProblem, type Obj } from './common.js';
import { checkWorkloadEntry } from './workload.js';
import { isHttpProtocol, parseProtocol, type Protocol } from '../../registry/protocol.js';
import type { ObjectMeta } from '../object.js';

/** agent.ValidateIPSubnet: an IP address or a CIDR range. */
function isIpOrCidr(a: string): boolean {
  const [ip = '', len, ...rest] = a.split('/');
  const family = isIP(ip);
  if (family === 0 || rest.length > 0) return false;
  return len === undefined || (/^\d+$/.test(len) && Number(len) <= (family === 6 ? 128 : 32));
}

const isTls = (p: Protocol): boolean => p === 'HTTPS' || p === 'TLS';
/** protocol.IsTCP: the protocols proxied as TCP streams. */
const isTcp = (p: Protocol): boolean => ['TCP', 'HTTPS', 'TLS', 'Mongo', 'Redis', 'MySQL'].includes(p);

function checkHosts(hosts: unknown[], f: Findings): void {
  if (hosts.length === 0) f.error('spec.hosts', 'service entry must have at least one host');
  hosts.forEach((h, i) => {
    if (typeof h !== 'string') return;
    if (h === '*') return f.error(`spec.hosts[${i}]`, 'invalid host *');
    const e = checkWildcardDomain(h);
    if (e) f.error(`spec.hosts[${i}]`, e);
    else if (h.startsWith('*') && !h.startsWith('*.')) f.warn(`spec.hosts[${i}]`, `partial wildcard "${h}" not allowed`);
  });
}

/** The ports, checked; returns their names (what endpoints may refer to). */
function checkPorts(ports: unknown[], noAddresses: boolean, f: Findings): Set<string> {
  const names = new Set<string>();
  const numbers = new Set<unknown>();
  ports.forEach((pt, i) => {
    const at = `spec.ports[${i}]`;
    const po = asObj(pt) ?? {};
    const name = typeof po['name'] === 'string' ? po['name'] : '';
    if (names.has(name)) f.error(`${at}.name`, `service entry port name "${name}" already defined`);
    else if (!isDns1123Label(name)) f.error(`${at}.name`, `invalid port name: ${name}`);
    names.add(name);
    if (numbers.has(po['number'])) f.error(`${at}.number`, `service entry port ${String(po['number'])} already defined`);
    numbers.add(po['number']);
    if (po['targetPort'] !== undefined && po['targetPort'] !== 0) {
      const te = checkPort(po['targetPort']);
      if (te) f.error(`${at}.targetPort`, te);
    }
    const protocol = typeof po['protocol'] === 'string' ? po['protocol'] : '';
    if (noAddresses && (protocol === '' || protocol === 'TCP')) f.warn(at, 'addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled');
    if (protocol !== '' && parseProtocol(protocol) === 'Unsupported') f.error(`${at}.protocol`, `unsupported protocol: ${protocol}`);
    const e = checkPort(po['number']);
    if (e) f.error(`${at}.number`, e);
  });
  return names;
}

/** DNS and DNS_ROUND_ROBIN endpoints: an IP or FQDN each, labels, ports the service defines. */
function checkDnsEndpoints(endpoints: unknown[], names: ReadonlySet<string>, f: Findings): void {
  endpoints.forEach((ep, i) => {
    const at = `spec.endpoints[${i}]`;
    const eo = asObj(ep) ?? {};
    const addr = typeof eo['address'] === 'string' ? eo['address'] : '';
    if (isIP(addr) === 0 && !isFqdn(addr)) f.error(`${at}.address`, `endpoint address "${addr}" is not a valid FQDN or an IP address`);
    const badLabels = labelsProblem(asObj(eo['labels']) ?? {});
    if (badLabels !== undefined) f.error(`${at}.labels`, badLabels);
    for (const [name, port] of Object.entries(asObj(eo['ports']) ?? {})) {
      if (!names.has(name)) f.error(`${at}.ports.${name}`, `endpoint port ${String(port)} is not defined by the service entry`);
      if (!isDns1123Label(name)) f.error(`${at}.ports`, `invalid port name: ${name}`);
      const e = checkPort(port);
      if (e) f.error(`${at}.ports.${name}`, e);
    }
  });
}

/** ServiceEntry, as Istio's ValidateServiceEntry. */
export function validateServiceEntry(spec: Obj, f: Findings, meta?: ObjectMeta): void {
  const selector = asObj(spec['workloadSelector']);
  const endpoints = asArr(spec['endpoints']);
  if (selector) {
    const labels = asObj(selector['labels']) ?? {};
    for (const [k, v] of Object.entries(labels)) {
      if (k === '') return f.error('spec.workloadSelector.labels', `empty key is not supported in selector: "${k}=${String(v)}"`);
      if (k.includes('*') || String(v).includes('*')) return f.error(`spec.workloadSelector.labels.${k}`, `wildcard is not supported in selector: "${k}=${String(v)}"`);
    }
    if (Object.keys(labels).length === 0) f.warn('spec.workloadSelector', 'service entry: workload selector specified without labels, will be applied to all services in namespace');
    if (endpoints.length > 0) f.error('spec', 'only one of WorkloadSelector or Endpoints is allowed in Service Entry');
  }
  const hosts = asArr(spec['hosts']);
  checkHosts(hosts, f);
  const addresses = asArr(spec['addresses']).map(String);
  addresses.forEach((a, i) => {
    if (!isIpOrCidr(a)) f.error(`spec.addresses[${i}]`, `invalid address ${a}: must be an IP address or a CIDR range`);
  });
  const resolution = spec['resolution'] ?? 'NONE';
  if (addresses.some((a) => a.includes('/')) && resolution !== 'NONE' && resolution !== 'STATIC') {
    f.error('spec.addresses', 'CIDR addresses are allowed only for NONE/STATIC resolution types');
  }
  const ports = asArr(spec['ports']);
  const names = checkPorts(ports, addresses.length === 0, f);
  const protocols = ports.map((p) => parseProtocol(String(asObj(p)?.['protocol'] ?? '')));
  if (resolution === 'NONE') {
    if (endpoints.length > 0) f.error('spec.endpoints', 'no endpoints should be provided for resolution type none');
    if (selector) f.warn('spec.workloadSelector', 'workloadSelector should not be set when resolution mode is NONE');
  } else if (resolution === 'STATIC') {
    endpoints.forEach((ep, i) => checkWorkloadEntry(asObj(ep) ?? {}, `spec.endpoints[${i}]`, f, false, names));
  } else if (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') {
    if (endpoints.length === 0 && hosts.some((h) => !isFqdn(String(h)))) f.error('spec.hosts', `hosts must be FQDN if no endpoints are provided for resolution mode ${String(resolution)}`);
    if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) f.error('spec.endpoints', `there must only be 0 or 1 endpoint for resolution mode ${resolution}`);
    checkDnsEndpoints(endpoints, names, f);
    if (addresses.length > 0 && hosts.length > 1 && protocols.some(isTcp)) {
      f.warn('spec', 'service entry can not have more than one host specified simultaneously with address and tcp port');
    }
  }
  if (resolution !== 'NONE' && hosts.length > 1 && protocols.some((p) => !isHttpProtocol(p) && !isTls(p))) {
    f.error('spec.ports', 'multiple hosts provided with non-HTTP, non-TLS ports');
  }
  for (const p of exportToProblems(meta?.namespace ?? 'default', asArr(spec['exportTo']).map(String), true)) f.error('spec.exportTo', p);
}
