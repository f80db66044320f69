// kubectl get's output forms over plain objects: the table (default and -o wide columns per kind),
// -o name, and -o json/yaml (one object, or a List as kubectl prints several).
import { hostname } from 'node:os';
import { stringify } from 'yaml';
import type { Manifest } from '../../mesh/local/workloads.js';
import { CliError } from '../cli-error.js';
import { arr, obj, str } from '../istioctl/json-access.js';
import { humanDuration } from './human-duration.js';
import { qualifiedName, type ResourceType } from './resources.js';

export type GetFormat = 'table' | 'wide' | 'name' | 'json' | 'yaml';

export function parseGetFormat(o: string | undefined): GetFormat {
  if (o === undefined) return 'table';
  if (o === 'wide' || o === 'name' || o === 'json' || o === 'yaml') return o;
  throw new CliError(`error: unable to match a printer suitable for the output format "${o}", allowed formats are: json,name,wide,yaml`);
}

const NONE = '<none>';
const list = (v: unknown): string => JSON.stringify(arr(v));

/** A pod's READY, STATUS, RESTARTS and AGE. */
function podCells(o: Manifest, now: number): string[] {
  const status = obj(o['status']);
  const cs = arr(status['containerStatuses']).map(obj);
  const start = str(status['startTime']);
  return [`${cs.filter((c) => c['ready'] === true).length}/${cs.length}`, str(status['phase']),
    String(cs.reduce((n, c) => n + Number(c['restartCount'] ?? 0), 0)), start ? humanDuration(now - Date.parse(start)) : '<unknown>'];
}

const servicePorts = (spec: Record<string, unknown>): string =>
  arr(spec['ports']).map(obj).map((p) => `${String(p['port'])}${p['nodePort'] ? `:${String(p['nodePort'])}` : ''}/${str(p['protocol']) || 'TCP'}`).join(',') || NONE;

const selector = (m: unknown): string => Object.entries(obj(m)).map(([k, v]) => `${k}=${String(v)}`).join(',') || NONE;

/** What rows need beyond the object: the time, and how many pods of a Deployment run. */
export interface RowContext { now: number; runningPods(namespace: string, deployment: string): number }

interface Columns { header: string[]; cells(o: Manifest, ctx: RowContext): string[] }

/** Default columns by kind, then the -o wide additions (kubectl's and Istio's printer columns, without AGE where Strait keeps no creation time). */
const COLUMNS: Record<string, { base: Columns; wide?: Columns }> = {
  Pod: {
    base: { header: ['READY', 'STATUS', 'RESTARTS', 'AGE'], cells: (o, ctx) => podCells(o, ctx.now) },
    wide: { header: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'], cells: (o) => [str(obj(o['status'])['podIP']) || NONE, hostname(), NONE, NONE] },
  },
  Service: {
    base: {
      header: ['TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)'],
      cells: (o) => { const s = obj(o.spec); return [str(s['type']) || 'ClusterIP', str(s['clusterIP']) || NONE, NONE, servicePorts(s)]; },
    },
    wide: { header: ['SELECTOR'], cells: (o) => [selector(obj(o.spec)['selector'])] },
  },
  Deployment: {
    base: {
      header: ['READY', 'UP-TO-DATE', 'AVAILABLE'],
      cells: (o, ctx) => {
        const mine = ctx.runningPods(o.metadata.namespace ?? '', o.metadata.name);
        const wanted = Number(obj(o.spec)['replicas'] ?? 1);
        return [`${mine}/${wanted}`, String(mine), String(mine)];
      },
    },
    wide: {
      header: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
      cells: (o) => {
        const cs = arr(obj(obj(obj(o.spec)['template'])['spec'])['containers']).map(obj);
        return [cs.map((c) => str(c['name'])).join(','), cs.map((c) => str(c['image'])).join(','), selector(obj(obj(o.spec)['selector'])['matchLabels'])];
      },
    },
  },
  VirtualService: { base: { header: ['GATEWAYS', 'HOSTS'], cells: (o) => [list(obj(o.spec)['gateways']), list(obj(o.spec)['hosts'])] } },
  DestinationRule: { base: { header: ['HOST'], cells: (o) => [str(obj(o.spec)['host'])] } },
  ServiceEntry: {
    base: { header: ['HOSTS', 'LOCATION', 'RESOLUTION'], cells: (o) => [list(obj(o.spec)['hosts']), str(obj(o.spec)['location']), str(obj(o.spec)['resolution'])] },
  },
  PeerAuthentication: { base: { header: ['MODE'], cells: (o) => [str(obj(obj(o.spec)['mtls'])['mode'])] } },
  AuthorizationPolicy: { base: { header: ['ACTION'], cells: (o) => [str(obj(o.spec)['action']) || 'ALLOW'] } },
};

/** The table's rows (header first unless `header` is false): [NAMESPACE] NAME and the kind's columns. */
export function tableRows(r: ResourceType, items: readonly Manifest[], o: { wide: boolean; allNamespaces: boolean; header: boolean },
  ctx: RowContext): string[][] {
  const c = COLUMNS[r.kind];
  const extra = [c?.base, o.wide ? c?.wide : undefined].filter((x): x is Columns => x !== undefined);
  const rows = items.map((i) => [...(o.allNamespaces ? [i.metadata.namespace ?? ''] : []), i.metadata.name, ...extra.flatMap((x) => x.cells(i, ctx))]);
  return o.header ? [[...(o.allNamespaces ? ['NAMESPACE'] : []), 'NAME', ...extra.flatMap((x) => x.header)], ...rows] : rows;
}

/** -o name lines. */
export function nameLines(r: ResourceType, items: readonly Manifest[]): string {
  return items.map((i) => `${qualifiedName(r, i.metadata.name)}\n`).join('');
}

/** -o json/yaml: a single object as itself when one was named, else kubectl's List. */
export function serialize(items: readonly Manifest[], format: 'json' | 'yaml', single: boolean): string {
  const value = single && items.length === 1 ? items[0] : { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
  return format === 'json' ? `${JSON.stringify(value, null, 4)}\n` : stringify(value);
}
