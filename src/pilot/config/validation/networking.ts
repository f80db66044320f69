// Validation of networking.istio.io VirtualService, DestinationRule and Gateway
// after Istio's pkg/config/validation, beyond what their schema checks.
import { Findings } from './field-error.js';
import { isIP } from 'node:net';
import { asArr, asObj, checkDuration, checkPercent, checkPort, checkRe2, checkWildcardDomain, exportToProblems, isDns1123Label, isFqdn, type Obj } from './common.js';
import type { ObjectMeta } from '../object.js';
import { warnUnreachableRules } from './vs-unreachable.js';

/** Istio's validateStringMatch, regex part: `where` is Istio's name for the field in its message. */
function checkStringMatch(f: Findings, path: string, where: string, m: unknown): void {
  const re = asObj(m)?.['regex'];
  if (re === undefined) return;
  const e = typeof re !== 'string' ? 'regex must be a string'
    : re === '' ? `"${where}": regex string match should not be empty` : checkRe2(re, where);
  if (e) f.error(`${path}.regex`, e);
}

/** The regexes of an HTTP route: its matches, CORS origins and URI regex rewrite, as Istio validates them. */
function checkHttpRouteRegexes(f: Findings, p: string, r: Obj): void {
  for (const [i, m] of asArr(r['match']).entries()) {
    const mo = asObj(m);
    if (!mo) continue;
    const mp = `${p}.match[${i}]`;
    for (const k of ['uri', 'scheme', 'method', 'authority']) checkStringMatch(f, `${mp}.${k}`, k, mo[k]);
    for (const k of ['headers', 'withoutHeaders', 'queryParams']) {
      for (const [name, sm] of Object.entries(asObj(mo[k]) ?? {})) {
        // A withoutHeaders regex `*` is not RE2: it means "header present".
        if (k === 'withoutHeaders' && asObj(sm)?.['regex'] === '*') continue;
        checkStringMatch(f, `${mp}.${k}.${name}`, k, sm);
      }
    }
  }
  asArr(asObj(r['corsPolicy'])?.['allowOrigins']).forEach((o, i) => {
    checkStringMatch(f, `${p}.corsPolicy.allowOrigins[${i}]`, 'corsPolicy.allowOrigins', o);
  });
  const rr = asObj(asObj(r['rewrite'])?.['uriRegexRewrite']);
  if (rr) {
    const match = rr['match'];
    if (typeof match !== 'string' || match === '' || typeof rr['rewrite'] !== 'string' || rr['rewrite'] === '') {
      f.error(`${p}.rewrite.uriRegexRewrite`, 'UriRegexRewrite requires both Rewrite and Match fields to be specified');
    } else {
      const e = checkRe2(match, 'HTTPRewrite.UriRegexRewrite.Match');
      if (e) f.error(`${p}.rewrite.uriRegexRewrite.match`, e);
    }
  }
}

function checkDestination(f: Findings, path: string, d: unknown): void {
  const o = asObj(d);
  if (!o) return f.error(path, 'destination is required');
  if (typeof o['host'] !== 'string' || o['host'] === '') f.error(`${path}.host`, 'destination host is required');
  const port = asObj(o['port']);
  if (port && port['number'] !== undefined) {
    const r = checkPort(port['number']);
    if (r) f.error(`${path}.port.number`, r);
  }
}

function checkHttpRoute(f: Findings, p: string, r: Obj, delegate: boolean): void {
  if (!r['route'] && !r['redirect'] && !r['directResponse'] && !r['delegate']) {
    f.error(p, 'HTTP route, redirect, direct response or delegate is required');
  }
  if (r['redirect'] && r['route']) f.error(p, 'HTTP route cannot contain both route and redirect');
  if (r['delegate'] && delegate) f.error(`${p}.delegate`, 'delegate cannot be set in a delegate VirtualService');
  if (r['delegate'] && !delegate) {
    if (r['route'] !== undefined) f.error(`${p}.route`, 'root HTTP route must not specify route');
    if (r['redirect'] !== undefined) f.error(`${p}.redirect`, 'root HTTP route must not specify redirect');
  }
  checkHttpRouteRegexes(f, p, r);
  for (const [i, d] of asArr(r['route']).entries()) {
    const dp = `${p}.route[${i}]`;
    const dd = asObj(d) ?? {};
    checkDestination(f, `${dp}.destination`, dd['destination']);
    if (dd['weight'] !== undefined && (typeof dd['weight'] !== 'number' || dd['weight'] < 0)) {
      f.error(`${dp}.weight`, `weight ${String(dd['weight'])} < 0`);
    }
  }
  const attempts = asObj(r['retries'])?.['attempts'];
  if (typeof attempts === 'number' && attempts < 0) f.error(`${p}.retries.attempts`, 'attempts cannot be negative');
  const fault = asObj(r['fault']);
  if (fault) {
    for (const k of ['delay', 'abort']) {
      const fo = asObj(fault[k]);
      const pct = asObj(fo?.['percentage']);
      if (pct && pct['value'] !== undefined) {
        const e = checkPercent(pct['value']);
        if (e) f.error(`${p}.fault.${k}.percentage.value`, e);
      }
      if (k === 'abort' && fo && fo['httpStatus'] !== undefined) {
        const s = fo['httpStatus'];
        if (typeof s !== 'number' || s < 200 || s > 599) f.error(`${p}.fault.abort.httpStatus`, 'httpStatus must be in range 200..599');
      }
    }
  }
  const mp = asObj(r['mirrorPercentage']);
  if (mp && mp['value'] !== undefined) {
    const e = checkPercent(mp['value']);
    if (e) f.error(`${p}.mirrorPercentage.value`, e);
  }
  if (r['mirror'] !== undefined) checkDestination(f, `${p}.mirror`, r['mirror']);
  if (r['mirrorPercent'] !== undefined) f.warn(`${p}.mirrorPercent`, 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead');
  checkAuthorityRewrite(f, p, r);
}

/** validateAuthorityRewrite: the authority is rewritten in one place only (rewrite.authority or one :authority/host header). */
function checkAuthorityRewrite(f: Findings, p: string, r: Obj): void {
  const request = asObj(asObj(r['headers'])?.['request']);
  const authorityHeaders = ['set', 'add'].flatMap((op) => Object.keys(asObj(request?.[op]) ?? {}).filter((k) => [':authority', 'host'].includes(k.toLowerCase())));
  const rewrite = asObj(r['rewrite'])?.['authority'];
  if (authorityHeaders.length + (typeof rewrite === 'string' && rewrite !== '' ? 1 : 0) > 1) {
    f.error(`${p}.headers.request`, 'authority header cannot be set multiple times');
  }
}

/** The SNI-DNAT host form (`outbound_.<port>_.<subset>_.<host>`) a gateway-bound VirtualService may use. */
const SNI_DNAT_HOST = /^outbound_\.\d+_\.[^_]*_\.(.+)$/;

/** host.Name.Matches: equal, or one a wildcard covering the other. */
function hostsOverlap(a: string, b: string): boolean {
  const covers = (w: string, h: string): boolean => w.startsWith('*') && h.endsWith(w.slice(1));
  return a === b || covers(a, b) || covers(b, a);
}

/** validateGatewayNames: `namespace/name` of DNS labels, or a legacy FQDN (a warning). */
function checkGatewayNames(f: Findings, path: string, names: unknown[]): void {
  for (const [i, g] of names.entries()) {
    const name = String(g);
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (name.includes('.')) {
        const [n, ns] = name.split('.');
        f.warn(`${path}[${i}]`, `using legacy gatewayName format "${name}"; prefer the <namespace>/<name> format: "${ns ?? ''}/${n ?? ''}"`);
      }
      if (!isFqdn(name)) f.error(`${path}[${i}]`, `invalid gateway name "${name}"`);
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns === '' || gw === '') f.error(`${path}[${i}]`, 'config namespace and gateway name cannot be empty');
    if (!isDns1123Label(ns)) f.error(`${path}[${i}]`, `invalid value for namespace: "${ns}"`);
    if (!isDns1123Label(gw)) f.error(`${path}[${i}]`, `invalid value for gateway name: "${gw}"`);
  }
}

/** The hosts of a VirtualService: valid domains, `*` only on gateways, no two that overlap. */
function checkVirtualServiceHosts(f: Findings, hosts: unknown[], appliesToGateway: boolean, appliesToMesh: boolean): void {
  let allValid = true;
  hosts.forEach((h, i) => {
    if (typeof h !== 'string') return f.error(`spec.hosts[${i}]`, 'host must be a string');
    const dnat = appliesToGateway ? SNI_DNAT_HOST.exec(h) : null;
    const e = h === '*' ? undefined : checkWildcardDomain(dnat?.[1] ?? h);
    if (e && isIP(h) === 0) {
      f.error(`spec.hosts[${i}]`, e);
      allValid = false;
    } else if (!e && appliesToMesh && h === '*') {
      f.error(`spec.hosts[${i}]`, 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      allValid = false;
    }
  });
  if (!allValid) return;
  const names = hosts.map(String);
  names.forEach((a, i) => names.slice(i + 1).forEach((b) => {
    if (hostsOverlap(a, b)) f.error(`spec.hosts[${i}]`, `duplicate hosts in virtual service: ${a} & ${b}`);
  }));
}

/** VirtualService. */
export function validateVirtualService(spec: Obj, f: Findings, meta?: ObjectMeta): void {
  for (const problem of exportToProblems(meta?.namespace ?? 'default', asArr(spec['exportTo']).map(String), false)) f.error('spec.exportTo', problem);
  const hosts = asArr(spec['hosts']);
  const gateways = asArr(spec['gateways']);
  const delegate = hosts.length === 0;
  if (delegate && gateways.length > 0) f.error('spec.gateways', 'gateways should be empty in delegate virtual service');
  if (delegate && (asArr(spec['tcp']).length > 0 || asArr(spec['tls']).length > 0)) f.error('spec', 'only http route is allowed in delegate virtual service');
  checkGatewayNames(f, 'spec.gateways', gateways);
  const appliesToGateway = gateways.some((g) => g !== 'mesh');
  const appliesToMesh = gateways.length === 0 || gateways.includes('mesh');
  checkVirtualServiceHosts(f, hosts, appliesToGateway, appliesToMesh);
  if (!appliesToGateway) {
    asArr(spec['http']).forEach((r, i) => asArr(asObj(r)?.['match']).forEach((m, j) => {
      for (const k of ['headers', 'withoutHeaders']) {
        if (Object.keys(asObj(asObj(m)?.[k]) ?? {}).some((h) => h.startsWith('@request.auth.claims'))) {
          f.error(`spec.http[${i}].match[${j}].${k}`, 'JWT claim based routing is only supported for gateway, found claim in a virtual service bound to the mesh');
        }
      }
    }));
  }
  if (!spec['http'] && !spec['tcp'] && !spec['tls']) f.error('spec', 'http, tcp or tls must be provided in virtual service');
  asArr(spec['http']).forEach((r, i) => checkHttpRoute(f, `spec.http[${i}]`, asObj(r) ?? {}, delegate));
  warnUnreachableRules(spec, f);
  for (const proto of ['tcp', 'tls']) {
    asArr(spec[proto]).forEach((r, i) => {
      const ro = asObj(r) ?? {};
      if (asArr(ro['route']).length === 0) f.error(`spec.${proto}[${i}].route`, 'route is required');
      if (proto === 'tls') {
        asArr(ro['match']).forEach((m, j) => asArr(asObj(m)?.['sniHosts']).forEach((h, k) => {
          const at = `spec.tls[${i}].match[${j}].sniHosts[${k}]`;
          const sni = String(h);
          if (isIP(sni) !== 0) return f.warn(at, 'using an IP address as an SNI host is not supported by TLS clients');
          const e = sni === '*' ? undefined : checkWildcardDomain(SNI_DNAT_HOST.exec(sni)?.[1] ?? sni);
          if (e) f.error(at, e);
        }));
      }
      asArr(ro['route']).forEach((d, j) => {
        const dd = asObj(d) ?? {};
        checkDestination(f, `spec.${proto}[${i}].route[${j}].destination`, dd['destination']);
        if (typeof dd['weight'] === 'number' && dd['weight'] < 0) f.error(`spec.${proto}[${i}].route[${j}].weight`, `weight ${dd['weight']} < 0`);
      });
    });
  }
}

/** The fields a (port) traffic policy must set one of. */
const POLICY_FIELDS = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol'];

/** ValidateTLS (client side): insecureSkipVerify without a CA or SANs to skip, credentialName without inline certificates. */
function checkClientTls(f: Findings, p: string, tls: Obj): void {
  const set = (k: string): boolean => (Array.isArray(tls[k]) ? true : typeof tls[k] === 'string' && tls[k] !== '');
  if (tls['insecureSkipVerify'] === true) {
    const conflicting = tls['mode'] === 'SIMPLE' ? ['caCertificates', 'credentialName', 'subjectAltNames'] : tls['mode'] === 'MUTUAL' ? ['caCertificates', 'subjectAltNames'] : [];
    if (conflicting.some(set)) f.error(`${p}.tls.insecureSkipVerify`, 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true');
  }
  if ((tls['mode'] === 'SIMPLE' || tls['mode'] === 'MUTUAL') && set('credentialName')) {
    if (['clientCertificate', 'caCertificates', 'privateKey', 'caCrl'].some(set)) f.error(`${p}.tls`, 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set');
  }
}

function checkTrafficPolicy(f: Findings, p: string, tp: unknown): void {
  const t = asObj(tp);
  if (!t) return;
  if (!POLICY_FIELDS.some((k) => t[k] !== undefined)) f.error(p, 'traffic policy must have at least one field');
  const lb = asObj(t['loadBalancer']);
  const ch = asObj(lb?.['consistentHash']);
  if (ch) {
    const keys = ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'].filter((k) => ch[k] !== undefined);
    if (keys.length !== 1) f.error(`${p}.loadBalancer.consistentHash`, 'consistent hash must have exactly one hash key');
  }
  const od = asObj(t['outlierDetection']);
  if (od) {
    for (const k of ['maxEjectionPercent', 'minHealthPercent']) {
      if (od[k] !== undefined) {
        const e = checkPercent(od[k]);
        if (e) f.error(`${p}.outlierDetection.${k}`, `outlier detection ${k} must be in range [0, 100]`);
      }
    }
    for (const k of ['consecutiveErrors', 'consecutive5xxErrors', 'consecutiveGatewayErrors']) {
      if (typeof od[k] === 'number' && od[k] < 0) f.error(`${p}.outlierDetection.${k}`, `outlier detection ${k} must be >= 0`);
    }
  }
  const cp = asObj(t['connectionPool']);
  if (cp && !asObj(cp['tcp']) && !asObj(cp['http'])) f.error(`${p}.connectionPool`, 'connection pool must have at least one field');
  for (const proto of ['tcp', 'http']) {
    for (const [k, v] of Object.entries(asObj(cp?.[proto]) ?? {})) {
      if (typeof v === 'number' && v < 0) f.error(`${p}.connectionPool.${proto}.${k}`, `${k} must be >= 0`);
      if (/Timeout$|^idleTimeout$/.test(k) && typeof v === 'string') {
        const e = checkDuration(v);
        if (e) f.error(`${p}.connectionPool.${proto}.${k}`, e);
      }
    }
  }
  const tls = asObj(t['tls']);
  if (tls) checkClientTls(f, p, tls);
  if (tls && tls['mode'] === 'MUTUAL' && !tls['credentialName']) {
    if (!tls['clientCertificate'] || !tls['privateKey']) {
      f.error(`${p}.tls`, 'client certificate and private key are required for MUTUAL TLS (or credentialName)');
    }
  }
  asArr(t['portLevelSettings']).forEach((pl, i) => {
    const plo = asObj(pl) ?? {};
    const port = asObj(plo['port']);
    if (!port) f.error(`${p}.portLevelSettings[${i}].port`, 'port traffic policy must have a port');
    checkTrafficPolicy(f, `${p}.portLevelSettings[${i}]`, pl);
  });
}

/** DestinationRule. */
export function validateDestinationRule(spec: Obj, f: Findings, meta?: ObjectMeta): void {
  const selector = asObj(spec['workloadSelector']);
  if (selector && Object.keys(asObj(selector['matchLabels']) ?? {}).length === 0) f.warn('spec.workloadSelector', 'workload selector specified without labels');
  const namespace = meta?.namespace ?? 'default';
  const exportTo = asArr(spec['exportTo']).map(String);
  for (const problem of exportToProblems(namespace, exportTo, false)) f.error('spec.exportTo', problem);
  if (selector && exportTo.length > 0 && (exportTo.some((e) => e !== '.' && e !== namespace))) {
    f.error('spec.exportTo', 'destination rule with workload selector cannot have exportTo beyond current namespace');
  }
  if (typeof spec['host'] !== 'string' || spec['host'] === '') f.error('spec.host', 'host is required');
  else if (!spec['host'].includes('/')) {
    const e = checkWildcardDomain(spec['host']);
    if (e) f.error('spec.host', e);
  }
  checkTrafficPolicy(f, 'spec.trafficPolicy', spec['trafficPolicy']);
  const names = new Set<string>();
  asArr(spec['subsets']).forEach((s, i) => {
    const so = asObj(s) ?? {};
    const name = so['name'];
    if (typeof name !== 'string' || name === '') f.error(`spec.subsets[${i}].name`, 'subset name is required');
    else {
      if (names.has(name)) f.error(`spec.subsets[${i}].name`, `duplicate subset names: ${name}`);
      names.add(name);
    }
    checkTrafficPolicy(f, `spec.subsets[${i}].trafficPolicy`, so['trafficPolicy']);
  });
}

/**
 * A Gateway server host (ValidateNamespaceSlashWildcardHostname for gateways): `[namespace/]dnsName`, the
 * namespace `*`, `.` or a label, the name `*`, an IP, or a domain with dots and no partial wildcard.
 */
function gatewayHostProblem(host: string): string | undefined {
  const parts = host.split('/');
  if (parts.length > 2) return `host must be of form namespace/dnsName: ${host}`;
  const dns = parts[parts.length - 1] ?? '';
  if (parts.length === 2) {
    const ns = parts[0] ?? '';
    if (ns === '' || dns === '') return 'config namespace and dnsName in host entry cannot be empty';
    if (ns !== '*' && ns !== '.' && !isDns1123Label(ns)) return `invalid namespace value "${ns}" in host ${host}`;
  }
  if (dns === '*' || isIP(dns) !== 0) return undefined;
  if (dns.startsWith('*') && !dns.startsWith('*.')) return `partial wildcard "${dns}" not allowed`;
  if (!dns.includes('.')) return `short names (non FQDN) are not allowed: ${dns}`;
  return checkWildcardDomain(dns);
}

/** Gateway. */
export function validateGateway(spec: Obj, f: Findings): void {
  const servers = asArr(spec['servers']);
  if (servers.length === 0) return f.error('spec.servers', 'gateway must have at least one server');
  const portNames = new Set<string>();
  servers.forEach((s, i) => {
    const p = `spec.servers[${i}]`;
    const so = asObj(s) ?? {};
    const port = asObj(so['port']);
    const bind = typeof so['bind'] === 'string' ? so['bind'] : '';
    if (!port) f.error(`${p}.port`, 'port is required');
    else {
      if (bind.startsWith('unix://')) {
        if (port['number'] !== 0) f.error(`${p}.port.number`, 'port number must be 0 for unix domain socket');
      } else {
        const e = checkPort(port['number']);
        if (e) f.error(`${p}.port.number`, e);
      }
      if (typeof port['name'] === 'string' && port['name'] !== '') {
        if (portNames.has(port['name'])) f.error(`${p}.port.name`, `port names in servers must be unique: duplicate name ${port['name']}`);
        portNames.add(port['name']);
      }
      if (!port['protocol']) f.error(`${p}.port.protocol`, 'protocol is required');
    }
    if (bind !== '' && !bind.startsWith('unix://') && isIP(bind) === 0) f.error(`${p}.bind`, `${bind} is not a valid IP`);
    const hosts = asArr(so['hosts']);
    if (hosts.length === 0) f.error(`${p}.hosts`, 'server config must contain at least one host');
    hosts.forEach((h, j) => {
      const bad = typeof h === 'string' ? gatewayHostProblem(h) : 'host must be a string';
      if (bad !== undefined) f.error(`${p}.hosts[${j}]`, bad);
    });
    const tls = asObj(so['tls']);
    const proto = String(port?.['protocol'] ?? '').toUpperCase();
    if ((proto === 'HTTPS' || proto === 'TLS') && !tls) f.error(`${p}.tls`, 'server must have TLS settings for HTTPS/TLS protocols');
    if (tls?.['httpsRedirect'] === true && proto !== 'HTTP') f.warn(`${p}.tls.httpsRedirect`, 'tls.httpsRedirect should only be used with http servers');
    if (tls && !tls['httpsRedirect']) {
      const mode = tls['mode'] ?? 'SIMPLE';
      if ((mode === 'SIMPLE' || mode === 'MUTUAL') && !tls['credentialName']) {
        if (!tls['serverCertificate']) f.error(`${p}.tls`, `${String(mode)} TLS requires a server certificate (or credentialName)`);
        if (!tls['privateKey']) f.error(`${p}.tls`, `${String(mode)} TLS requires a private key (or credentialName)`);
        if (mode === 'MUTUAL' && !tls['caCertificates']) f.error(`${p}.tls`, 'MUTUAL TLS requires a client CA bundle (or credentialName)');
      }
    }
  });
}
