// kubectl describe's layout for pods and services (tab-aligned "Field:  value" runs, nested
// sections indented by two), holding only the fields a local mesh pod or Service really has.
import { hostname } from 'node:os';
import type { Manifest } from '../../mesh/local/workloads.js';
import { arr, obj, str, type Json } from '../istioctl/json-access.js';
import { tabulate } from '../istioctl/tab-writer.js';

const NONE = '<none>';

/** Go's time.RFC1123Z, as kubectl prints times: Mon, 07 Dec 2026 15:51:03 +0000. */
export function rfc1123z(iso: string): string {
  const d = new Date(iso);
  const day = d.toLocaleString('en-US', { weekday: 'short', timeZone: 'UTC' });
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${day}, ${p(d.getUTCDate())} ${month} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** A map as kubectl prints labels: the first pair on the field's line, the others below it, sorted. */
function mapLines(field: string, m: unknown): Line[] {
  const pairs = Object.entries(obj(m)).map(([k, v]) => `${k}=${String(v)}`).sort();
  if (pairs.length === 0) return [[0, field, NONE]];
  return pairs.map((p, i) => [0, i === 0 ? field : '', p]);
}

/**
 * kubectl's describe writer: a tabwriter (padding 2) over the whole text, so consecutive "field\tvalue"
 * lines align, nested ones included (their indentation is part of the first cell), and a line without a
 * value ("Containers:") ends the run. `indent` levels are two spaces each.
 */
function layout(lines: readonly (readonly [number, string, string?])[]): string {
  const out: string[] = [];
  let run: string[][] = [];
  const flush = (): void => {
    if (run.length) out.push(...tabulate(run, 2).split('\n').slice(0, -1));
    run = [];
  };
  for (const [indent, field, value] of lines) {
    const pad = ' '.repeat(indent * 2);
    if (value === undefined) {
      flush();
      out.push(pad + field);
    } else {
      run.push([field === '' ? pad : `${pad}${field}:`, value]);
    }
  }
  flush();
  return out.map((l) => `${l.trimEnd()}\n`).join('');
}

type Line = [number, string, string?];

/** `kubectl describe pod` for a pod object (mesh-objects.ts's podObject). */
export function describePod(pod: Manifest): string {
  const spec = obj(pod.spec);
  const status = obj(pod['status']);
  const start = str(status['startTime']);
  const statuses = new Map(arr(status['containerStatuses']).map(obj).map((c) => [str(c['name']), c]));
  const lines: Line[] = [
    [0, 'Name', pod.metadata.name], [0, 'Namespace', pod.metadata.namespace ?? 'default'],
    [0, 'Service Account', str(spec['serviceAccountName']) || 'default'], [0, 'Node', `${hostname()}/127.0.0.1`],
    ...(start ? [[0, 'Start Time', rfc1123z(start)] as Line] : []),
    ...mapLines('Labels', pod.metadata.labels), ...mapLines('Annotations', pod.metadata.annotations),
    [0, 'Status', str(status['phase'])], [0, 'IP', str(status['podIP'])], [0, 'IPs:'], [1, 'IP', str(status['podIP'])],
    [0, 'Containers:'],
  ];
  for (const c of arr(spec['containers']).map(obj)) {
    const st: Json = statuses.get(str(c['name'])) ?? {};
    const ports = arr(c['ports']).map(obj).map((p) => `${String(p['containerPort'])}/${str(p['protocol']) || 'TCP'}`);
    const running = st['ready'] === true;
    lines.push([1, `${str(c['name'])}:`], [2, ports.length > 1 ? 'Ports' : 'Port', ports.join(', ') || NONE], [2, 'State', running ? 'Running' : 'Waiting']);
    if (running && start) lines.push([3, 'Started', rfc1123z(start)]);
    lines.push([2, 'Ready', running ? 'True' : 'False'], [2, 'Restart Count', String(st['restartCount'] ?? 0)]);
  }
  const ready = [...statuses.values()].every((c) => c['ready'] === true) ? 'True' : 'False';
  const conditions = tabulate([['Type', 'Status'], ['Ready', ready]], 2).split('\n').slice(0, -1).map((l) => `  ${l.trimEnd()}\n`).join('');
  return `${layout(lines)}Conditions:\n${conditions}${layout([[0, 'Events', NONE]])}`;
}

/** `kubectl describe service`: `endpoints` lists, per service port, the pod addresses it reaches (ip:port). */
export function describeService(svc: Manifest, endpoints: (port: Json) => string[]): string {
  const spec = obj(svc.spec);
  const lines: Line[] = [
    [0, 'Name', svc.metadata.name], [0, 'Namespace', svc.metadata.namespace ?? 'default'],
    ...mapLines('Labels', svc.metadata.labels), ...mapLines('Annotations', svc.metadata.annotations),
    [0, 'Selector', Object.entries(obj(spec['selector'])).map(([k, v]) => `${k}=${String(v)}`).sort().join(',') || NONE],
    [0, 'Type', str(spec['type']) || 'ClusterIP'],
  ];
  for (const p of arr(spec['ports']).map(obj)) {
    const proto = str(p['protocol']) || 'TCP';
    lines.push([0, 'Port', `${str(p['name']) || '<unset>'}  ${String(p['port'])}/${proto}`]);
    lines.push([0, 'TargetPort', `${String(p['targetPort'] ?? p['port'])}/${proto}`]);
    lines.push([0, 'Endpoints', endpoints(p).join(',') || NONE]);
  }
  lines.push([0, 'Session Affinity', str(spec['sessionAffinity']) || 'None'], [0, 'Events', NONE]);
  return layout(lines);
}
