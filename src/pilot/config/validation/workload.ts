// Validation of WorkloadEntry (also a ServiceEntry endpoint) and WorkloadGroup after Istio's webhook
// (validateWorkloadEntry, ValidateWorkloadGroup, validateReadinessProbe), beyond their schema.
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { Findings } from './field-error.js';
import { asArr, asObj, checkPort, isDns1123Label, isFqdn, labelsProblem, type Obj } from './common.js';

const UNIX_PREFIX = 'unix://';
/** The CRD pattern of a probe's HTTP header name. */
const PROBE_HEADER_NAME = /^[-_A-Za-z0-9]+$/;

/** Istio's ValidateUnixAddress: an abstract socket (`@name`) or an absolute path to a file. */
export function unixAddressProblem(addr: string): string | undefined {
  if (addr === '') return 'unix address must not be empty';
  if (addr.startsWith('@')) return undefined;
  if (!posix.isAbsolute(addr) || addr.endsWith('/')) return `${addr} is not an absolute path to a file`;
  return undefined;
}

/**
 * validateWorkloadEntry: an address (IP, unix socket, or with `allowFqdn` a host name; none only with a
 * network), named ports in range; `servicePorts`, for a ServiceEntry endpoint, are the port names it may use.
 */
export function checkWorkloadEntry(we: Obj, at: string, f: Findings, allowFqdn: boolean, servicePorts?: ReadonlySet<string>): void {
  const addr = typeof we['address'] === 'string' ? we['address'] : '';
  const ports = asObj(we['ports']) ?? {};
  if (addr === '') {
    if (typeof we['network'] !== 'string' || we['network'] === '') f.error(`${at}.address`, 'address is required');
    else f.warn(`${at}.address`, 'address is unset with network defined: the workload is reached only through its network\'s gateway');
  } else if (addr.startsWith(UNIX_PREFIX)) {
    const bad = unixAddressProblem(addr.slice(UNIX_PREFIX.length));
    if (bad !== undefined) f.error(`${at}.address`, bad);
    if (Object.keys(ports).length > 0) f.error(`${at}.ports`, `unix endpoint ${addr} must not include ports`);
    if (servicePorts !== undefined && servicePorts.size !== 1) f.error(at, 'exactly 1 service port required for unix endpoints');
  } else if (isIP(addr) === 0) {
    if (!allowFqdn) f.error(`${at}.address`, `endpoint address "${addr}" is not a valid IP address`);
    else if (!isFqdn(addr)) f.error(`${at}.address`, `endpoint address "${addr}" is not a valid FQDN or an IP address`);
  }
  const badLabels = labelsProblem(asObj(we['labels']) ?? {});
  if (badLabels !== undefined) f.error(`${at}.labels`, badLabels);
  for (const [name, port] of Object.entries(ports)) {
    if (servicePorts !== undefined && !servicePorts.has(name)) f.error(`${at}.ports.${name}`, `endpoint port ${String(port)} is not defined by the service entry`);
    if (!isDns1123Label(name)) f.error(`${at}.ports`, `invalid port name "${name}": must be a DNS-1123 label`);
    const e = checkPort(port);
    if (e) f.error(`${at}.ports.${name}`, e);
  }
}

/** WorkloadEntry. */
export function validateWorkloadEntry(spec: Obj, f: Findings): void {
  checkWorkloadEntry(spec, 'spec', f, true);
}

/** validateReadinessProbe: non-negative counts, ports in range, HTTP or HTTPS, header names, a command. */
function checkProbe(probe: unknown, f: Findings): void {
  const p = asObj(probe);
  if (!p) return;
  for (const k of ['periodSeconds', 'initialDelaySeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold']) {
    if (typeof p[k] === 'number' && p[k] < 0) f.error(`spec.probe.${k}`, `${k} must be non-negative`);
  }
  if (!['httpGet', 'tcpSocket', 'exec'].some((k) => p[k] !== undefined)) f.error('spec.probe', 'unknown health check method: one of httpGet, tcpSocket, exec is required');
  for (const k of ['httpGet', 'tcpSocket']) {
    const m = asObj(p[k]);
    if (!m) continue;
    const e = checkPort(m['port']);
    if (e) f.error(`spec.probe.${k}.port`, e);
  }
  const http = asObj(p['httpGet']);
  if (http) {
    if (http['scheme'] !== undefined && http['scheme'] !== '' && http['scheme'] !== 'HTTP' && http['scheme'] !== 'HTTPS') {
      f.error('spec.probe.httpGet.scheme', 'scheme must be one of HTTP or HTTPS');
    }
    asArr(http['httpHeaders']).forEach((h, i) => {
      const name = asObj(h)?.['name'];
      if (typeof name !== 'string' || !PROBE_HEADER_NAME.test(name)) f.error(`spec.probe.httpGet.httpHeaders[${i}].name`, `invalid probe header name "${String(name)}"`);
    });
  }
  const exec = asObj(p['exec']);
  if (exec && asArr(exec['command']).length === 0) f.error('spec.probe.exec.command', 'exec.command is required');
}

/** WorkloadGroup: a template (not validated as an entry: its address is filled in per workload), its metadata and probe. */
export function validateWorkloadGroup(spec: Obj, f: Findings): void {
  if (!asObj(spec['template'])) f.error('spec.template', 'template is required');
  const meta = asObj(spec['metadata']) ?? {};
  const badLabels = labelsProblem(asObj(meta['labels']) ?? {});
  if (badLabels !== undefined) f.error('spec.metadata.labels', badLabels);
  const badKeys = labelsProblem(Object.fromEntries(Object.keys(asObj(meta['annotations']) ?? {}).map((k) => [k, ''])));
  if (badKeys !== undefined) f.error('spec.metadata.annotations', badKeys.replace('label key', 'annotation key'));
  checkProbe(spec['probe'], f);
}
