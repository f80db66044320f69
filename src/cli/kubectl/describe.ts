// kubectl describe's layout for pods and services (tab-aligned "Field:  value" blocks, nested
// sections indented by two), holding only the fields a local mesh pod or Service really has.
import { hostname } from 'node:os';
import type { Manifest } from '../../mesh/local/workloads.js';
import { arr, obj, str, type Json } from '../istioctl/json-access.js';
import { tabulate } from '../istioctl/tab-writer.js';

type Line = [string, string] | [string];

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
  if (pairs.length === 0) return [[field, NONE]];
  return pairs.map((p, i) => [i === 0 ? field : '', p]);
}

/** Lines at one indentation, aligned as kubectl's tabwriter (padding 2) aligns a block. */
function block(indent: number, lines: readonly Line[]): string {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  let run: string[][] = [];
  const flush = (): void => {
    if (run.length) out.push(...tabulate(run, 2).split('\n').slice(0, -1).map((l) => pad + l));
    run = [];
  };
  for (const l of lines) {
    if (l.length === 1) { flush(); out.push(pad + l[0]); } else run.push([l[0] === '' ? '' : `${l[0]}:`, l[1]]);
  }
  flush();
  return out.map((l) => `${l.trimEnd()}\n`).join('');
}

/** `kubectl describe pod` for a pod object (mesh-objects.ts's podObject). */
export function describePod(pod: Manifest): string {
  const spec = obj(pod.spec);
  const status = obj(pod['status']);
  const start = str(status['startTime']);
  const statuses = new Map(arr(status['containerStatuses']).map(obj).map((c) => [str(c['name']), c]));
  let out = block(0, [
    ['Name', pod.metadata.name], ['Namespace', pod.metadata.namespace ?? 'default'],
    ['Service Account', str(spec['serviceAccountName']) || 'default'], ['Node', `${hostname()}/127.0.0.1`],
    ...(start ? [['Start Time', rfc1123z(start)] as Line] : []),
    ...mapLines('Labels', pod.metadata.labels), ...mapLines('Annotations', pod.metadata.annotations),
    ['Status', str(status['phase'])], ['IP', str(status['podIP'])], ['IPs:'],
  ]);
  out += block(2, [['IP', str(status['podIP'])]]);
  out += 'Containers:\n';
  for (const c of arr(spec['containers']).map(obj)) {
    const st: Json = statuses.get(str(c['name'])) ?? {};
    const ports = arr(c['ports']).map(obj).map((p) => `${String(p['containerPort'])}/${str(p['protocol']) || 'TCP'}`);
    const running = st['ready'] === true;
    out += block(2, [[`${str(c['name'])}:`]]);
    out += block(4, [
      [ports.length > 1 ? 'Ports' : 'Port', ports.join(', ') || NONE],
      ['State', running ? 'Running' : 'Waiting'],
    ]);
    if (running && start) out += block(6, [['Started', rfc1123z(start)]]);
    out += block(4, [['Ready', running ? 'True' : 'False'], ['Restart Count', String(st['restartCount'] ?? 0)]]);
  }
  const ready = [...statuses.values()].every((c) => c['ready'] === true) ? 'True' : 'False';
  out += 'Conditions:\n' + tabulate([['Type', 'Status'], ['Ready', ready]], 2).split('\n').slice(0, -1).map((l) => `  ${l.trimEnd()}\n`).join('');
  return out + block(0, [['Events', NONE]]);
}

/** `kubectl describe service`: `endpoints` lists, per service port, the pod addresses it reaches (ip:port). */
export function describeService(svc: Manifest, endpoints: (port: Json) => string[]): string {
  const spec = obj(svc.spec);
  const lines: Line[] = [
    ['Name', svc.metadata.name], ['Namespace', svc.metadata.namespace ?? 'default'],
    ...mapLines('Labels', svc.metadata.labels), ...mapLines('Annotations', svc.metadata.annotations),
    ['Selector', Object.entries(obj(spec['selector'])).map(([k, v]) => `${k}=${String(v)}`).sort().join(',') || NONE],
    ['Type', str(spec['type']) || 'ClusterIP'],
  ];
  for (const p of arr(spec['ports']).map(obj)) {
    const proto = str(p['protocol']) || 'TCP';
    lines.push(['Port', `${str(p['name']) || '<unset>'}  ${String(p['port'])}/${proto}`]);
    lines.push(['TargetPort', `${String(p['targetPort'] ?? p['port'])}/${proto}`]);
    lines.push(['Endpoints', endpoints(p).join(',') || NONE]);
  }
  lines.push(['Session Affinity', str(spec['sessionAffinity']) || 'None'], ['Events', NONE]);
  return block(0, lines);
}
