// describe(): a one-line rendering of a call and its simulation result, for test failure messages
// (e.g. `http catalog:80/ -> 0.0.0.0_80 / route 80 / vhost ... / route default -> outbound|80||catalog...`).
import type { Call, SimulationResult } from './types.js';

/** A short label of a call: protocol, host or SNI, port and path. */
export function describeCall(c: Call): string {
  const where = c.protocol === 'tls' ? `sni=${c.sni ?? ''}` : c.protocol === 'tcp' ? (c.address ?? '*') : (c.host ?? c.address ?? '*');
  const proxy = c.callerIsExplicitProxy !== undefined ? ` via proxy :${c.callerIsExplicitProxy.listenerPort}` : '';
  const inbound = c.callMode === 'inbound' ? 'inbound ' : '';
  return `${inbound}${c.protocol} ${where}:${c.port}${c.protocol === 'http' || c.protocol === 'http2' ? c.path ?? '/' : ''}${proxy}`;
}

/** The result on one line: each step reached, then the outcome (cluster, split, response) or the error. */
export function describe(r: SimulationResult, call?: Call): string {
  const steps: string[] = [];
  if (r.listener !== undefined) steps.push(`listener ${r.listener}`);
  if (r.filterChain !== undefined) steps.push(`chain ${r.filterChain === '' ? '(unnamed)' : r.filterChain}`);
  if (r.routeConfig !== undefined) steps.push(`routes ${r.routeConfig}`);
  if (r.virtualHost !== undefined) steps.push(`vhost ${r.virtualHost}`);
  if (r.route !== undefined) steps.push(`route ${r.route === '' ? '(unnamed)' : r.route}${r.routeIstioConfig !== undefined ? ` [${r.routeIstioConfig}]` : ''}`);
  let outcome = '';
  if (r.error !== undefined) outcome = `ERROR ${r.error}${r.errorDetail !== undefined ? ` (${r.errorDetail})` : ''}`;
  else if (r.directResponse !== undefined) outcome = `direct response ${r.directResponse.status}`;
  else if (r.redirect !== undefined) outcome = `redirect ${r.redirect.status} ${JSON.stringify(r.redirect)}`;
  else if (r.cluster !== undefined) outcome = `cluster ${r.cluster}`;
  if (r.weightedClusters !== undefined) outcome += ` of {${r.weightedClusters.map((w) => `${w.name}:${w.weight}`).join(', ')}}`;
  if (r.endpoints !== undefined) outcome += ` endpoints [${r.endpoints.join(', ')}]`;
  const head = call !== undefined ? `${describeCall(call)} -> ` : '';
  const path = steps.join(' / ');
  const tail = outcome.trim();
  return head + (path !== '' && tail !== '' ? `${path} => ${tail}` : path + tail);
}
