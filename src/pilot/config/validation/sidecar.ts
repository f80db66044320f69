// Validation of networking.istio.io Sidecar after Istio's webhook (ValidateSidecar): listeners' ports,
// binds and capture modes, default endpoints, ingress TLS, egress hosts, connection pools, egress proxy.
import { isIP } from 'node:net';
import { Findings } from './field-error.js';
import { asArr, asObj, checkPort, checkWildcardDomain, isDns1123Label, type Obj } from './common.js';
import { unixAddressProblem } from './workload.js';
import { isHttpProtocol, parseProtocol } from '../../registry/protocol.js';
import type { ObjectMeta } from '../object.js';

const UNIX_PREFIX = 'unix://';
/** The hosts a sidecar defaultEndpoint may name. */
const LOOPBACK_OR_ANY = new Set(['127.0.0.1', '0.0.0.0', '::1', '::']);

/** validateSidecar{Ingress,Egress}Port...: name, protocol, number (0 only for a unix socket bind on egress), bind. */
function checkListenerPort(port: Obj, bind: string, captureMode: unknown, at: string, f: Findings, egress: boolean): void {
  if (typeof port['name'] === 'string' && port['name'] !== '' && !isDns1123Label(port['name'])) f.error(`${at}.port.name`, `invalid port name "${port['name']}"`);
  if (typeof port['protocol'] === 'string' && port['protocol'] !== '' && parseProtocol(port['protocol']) === 'Unsupported') {
    f.error(`${at}.port.protocol`, `unrecognized protocol "${port['protocol']}"`);
  }
  if (typeof port['targetPort'] === 'number' && port['targetPort'] > 0) f.error(`${at}.port.targetPort`, 'targetPort has no impact on Sidecars');
  if (egress && (port['number'] ?? 0) === 0) {
    if (!bind.startsWith(UNIX_PREFIX)) f.error(`${at}.bind`, 'sidecar: ports with 0 value must have a unix domain socket bind address');
    else {
      const bad = unixAddressProblem(bind.slice(UNIX_PREFIX.length));
      if (bad !== undefined) f.error(`${at}.bind`, bad);
    }
    if (captureMode !== undefined && captureMode !== 'DEFAULT' && captureMode !== 'NONE') f.error(`${at}.captureMode`, 'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners');
    return;
  }
  const e = checkPort(port['number'] ?? 0);
  if (e) f.error(`${at}.port.number`, e);
  if (bind !== '' && isIP(bind) === 0) f.error(`${at}.bind`, `${bind} is not a valid IP`);
}

/** validateConnectionPool: at least one of http or tcp. */
function checkConnectionPool(pool: unknown, at: string, f: Findings): void {
  const p = asObj(pool);
  if (p && !asObj(p['http']) && !asObj(p['tcp'])) f.error(at, 'connection pool must have at least one field');
}

/** A defaultEndpoint: a unix socket, or a loopback/any address with a port. */
function checkDefaultEndpoint(ep: string, at: string, f: Findings): void {
  if (ep.startsWith(UNIX_PREFIX)) {
    const bad = unixAddressProblem(ep.slice(UNIX_PREFIX.length));
    if (bad !== undefined) f.error(at, bad);
    return;
  }
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(ep);
  if (!m) return f.error(at, `invalid defaultEndpoint ${ep}: missing port or bad host`);
  const host = m[1] ?? m[2] ?? '';
  if (host !== '' && !LOOPBACK_OR_ANY.has(host)) f.error(at, 'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset');
  const port = m[3] ?? '';
  if (!/^[+-]?\d+$/.test(port)) return f.error(at, `sidecar: defaultEndpoint port (${port}) is not a number`);
  const e = checkPort(Number(port));
  if (e) f.error(at, e);
}

function checkIngressTls(tls: Obj, protocol: unknown, at: string, f: Findings): void {
  if (asArr(tls['subjectAltNames']).length > 0) f.error(at, 'sidecar: subjectAltNames is not supported in ingress tls');
  if (tls['httpsRedirect'] === true) f.error(at, 'sidecar: httpsRedirect is not supported');
  if (typeof tls['credentialName'] === 'string' && tls['credentialName'] !== '') f.error(at, 'sidecar: credentialName is not currently supported');
  if (asArr(tls['credentialNames']).length > 0) f.error(at, 'sidecar: credentialNames is not currently supported');
  if (asArr(tls['tlsCertificates']).length > 0) f.error(at, 'sidecar: tls_certificates is not currently supported');
  if (tls['mode'] === 'ISTIO_MUTUAL' || tls['mode'] === 'AUTO_PASSTHROUGH') f.error(`${at}.mode`, `configuration is invalid: cannot set mode to ${tls['mode']} in sidecar ingress tls`);
  const p = parseProtocol(typeof protocol === 'string' ? protocol : undefined);
  if (p !== 'HTTPS' && p !== 'TLS') f.error(at, 'server cannot have TLS settings for non HTTPS/TLS ports');
}

function checkIngress(ingress: unknown[], f: Findings): void {
  const ports = new Set<unknown>();
  ingress.forEach((l, i) => {
    const at = `spec.ingress[${i}]`;
    const lo = asObj(l) ?? {};
    const port = asObj(lo['port']);
    if (!port) return f.error(`${at}.port`, 'sidecar: port is required for ingress listeners');
    checkListenerPort(port, typeof lo['bind'] === 'string' ? lo['bind'] : '', undefined, at, f, false);
    if (ports.has(port['number'])) f.error(`${at}.port.number`, 'sidecar: ports on IP bound listeners must be unique');
    ports.add(port['number']);
    if (typeof lo['defaultEndpoint'] === 'string' && lo['defaultEndpoint'] !== '') checkDefaultEndpoint(lo['defaultEndpoint'], `${at}.defaultEndpoint`, f);
    const tls = asObj(lo['tls']);
    if (tls) checkIngressTls(tls, port['protocol'], `${at}.tls`, f);
    checkConnectionPool(lo['connectionPool'], `${at}.connectionPool`, f);
    if (asObj(asObj(lo['connectionPool'])?.['http']) && !isHttpProtocol(parseProtocol(String(port['protocol'] ?? '')))) {
      f.warn(`${at}.connectionPool.http`, `sidecar: HTTP connection pool settings are configured for port ${String(port['number'])} but its protocol is not HTTP (${String(port['protocol'] ?? '')}); only TCP settings will apply`);
    }
  });
}

/** ValidateNamespaceSlashWildcardHostname for a sidecar: `ns/host`, ns `*`, `.`, `~` or a label, host `*` or a (`*.`) domain. */
function hostProblem(host: string): string | undefined {
  const slash = host.indexOf('/');
  if (slash < 0) return 'host must be of form namespace/dnsName';
  const ns = host.slice(0, slash);
  const dns = host.slice(slash + 1);
  if (ns === '' || dns === '') return 'config namespace and dnsName in host entry cannot be empty';
  if (ns !== '*' && ns !== '.' && ns !== '~' && !isDns1123Label(ns)) return `invalid namespace "${ns}"`;
  if (dns === '*') return undefined;
  if (dns.startsWith('*') && !dns.startsWith('*.')) return `partial wildcard "${dns}" not allowed`;
  return checkWildcardDomain(dns);
}

function checkEgress(egress: unknown[], namespace: string, f: Findings): void {
  const ports = new Set<unknown>();
  const sockets = new Set<string>();
  let catchAll = false;
  egress.forEach((l, i) => {
    const at = `spec.egress[${i}]`;
    const lo = asObj(l) ?? {};
    const port = asObj(lo['port']);
    const bind = typeof lo['bind'] === 'string' ? lo['bind'] : '';
    if (!port) {
      if (catchAll) return f.error(at, 'sidecar: egress can have only one listener with empty port');
      if (i === egress.length - 1) catchAll = true;
      else f.error(at, 'sidecar: the egress listener with empty port should be the last listener in the list');
    } else {
      checkListenerPort(port, bind, lo['captureMode'], at, f, true);
      if ((port['number'] ?? 0) === 0) {
        if (sockets.has(bind)) f.error(`${at}.bind`, 'sidecar: unix domain socket values for listeners must be unique');
        sockets.add(bind);
      } else {
        if (ports.has(port['number'])) f.error(`${at}.port.number`, 'sidecar: ports on IP bound listeners must be unique');
        ports.add(port['number']);
      }
    }
    const hosts = asArr(lo['hosts']).map(String);
    if (hosts.length === 0) return f.error(`${at}.hosts`, 'sidecar: egress listener must contain at least one host');
    const seen = new Map<string, Set<string>>();
    hosts.forEach((h, j) => {
      const slash = h.indexOf('/');
      if (slash >= 0) {
        const ns = h.slice(0, slash) === '.' ? namespace : h.slice(0, slash);
        const svc = h.slice(slash + 1);
        const svcs = seen.get(ns) ?? new Set<string>();
        if (svc === '*' ? svcs.size > 0 : svcs.has(svc) || svcs.has('*')) f.warn(`${at}.hosts[${j}]`, `duplicated egress host: ${h}`);
        svcs.add(svc);
        seen.set(ns, svcs);
      }
      const bad = hostProblem(h);
      if (bad !== undefined) f.error(`${at}.hosts[${j}]`, bad);
    });
    if (seen.get('*')?.has('*') && seen.size !== 1) f.warn(`${at}.hosts`, '`*/*` host select all resources, no other hosts can be added');
  });
}

/** validateSidecarOutboundTrafficPolicy: an egress proxy only with ALLOW_ANY, with a valid host and a port. */
function checkOutboundPolicy(policy: unknown, f: Findings): void {
  const proxy = asObj(asObj(policy)?.['egressProxy']);
  if (!proxy) return;
  const at = 'spec.outboundTrafficPolicy.egressProxy';
  if (asObj(policy)?.['mode'] !== 'ALLOW_ANY') return f.error(at, 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode');
  const host = typeof proxy['host'] === 'string' ? proxy['host'] : '';
  const bad = host === '' ? 'host is required' : host.includes('*') ? `invalid FQDN "${host}"` : checkWildcardDomain(host);
  if (bad !== undefined) f.error(`${at}.host`, bad);
  const port = asObj(proxy['port']);
  if (!port) return f.error(`${at}.port`, 'sidecar: egress_proxy port must be non-nil');
  const e = checkPort(port['number']);
  if (e) f.error(`${at}.port.number`, e);
}

/** Sidecar, as Istio's ValidateSidecar. */
export function validateSidecar(spec: Obj, f: Findings, meta?: ObjectMeta): void {
  const selector = asObj(spec['workloadSelector']);
  if (selector) {
    const labels = asObj(selector['labels']) ?? {};
    for (const [k, v] of Object.entries(labels)) {
      if (k === '') f.error('spec.workloadSelector.labels', `empty key is not supported in selector: "${k}=${String(v)}"`);
      if (k.includes('*') || String(v).includes('*')) f.error(`spec.workloadSelector.labels.${k}`, `wildcard is not supported in selector: "${k}=${String(v)}"`);
    }
    if (Object.keys(labels).length === 0) f.warn('spec.workloadSelector', 'sidecar: workload selector specified without labels, will be applied to all services in namespace');
  }
  const ingress = asArr(spec['ingress']);
  const egress = asArr(spec['egress']);
  if (ingress.length === 0 && egress.length === 0 && spec['outboundTrafficPolicy'] === undefined && spec['inboundConnectionPool'] === undefined) {
    return f.error('spec', 'sidecar: empty configuration provided');
  }
  checkIngress(ingress, f);
  checkConnectionPool(spec['inboundConnectionPool'], 'spec.inboundConnectionPool', f);
  checkEgress(egress, meta?.namespace ?? 'default', f);
  checkOutboundPolicy(spec['outboundTrafficPolicy'], f);
}
