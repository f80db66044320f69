// The dashboard API's answers as the page reads them, and a hook that polls one every few seconds
// (one request in flight at a time, stopped when the view goes away, so memory does not grow).
import { useEffect, useState } from 'preact/hooks';

export type Health = 'healthy' | 'degraded' | 'failure' | 'idle';
export interface GraphNode { id: string; kind: 'workload' | 'service'; name: string; namespace: string; health: Health }
export interface GraphEdge { id: string; source: string; target: string; rps: number; tcpBps: number; errorRate: number; clientErrorRate: number; p99: number | null; mtls: boolean | null; health: Health }
export interface Graph { fromMs: number; toMs: number; nodes: GraphNode[]; edges: GraphEdge[] }
export interface Signals {
  times: number[]; rps: number[]; successRate: Array<number | null>; p50: Array<number | null>; p90: Array<number | null>;
  p99: Array<number | null>; tcpSentBps: number[]; tcpReceivedBps: number[];
}
export interface ZipkinSpan {
  traceId: string; id: string; parentId?: string; name?: string; kind?: string; timestamp?: number; duration?: number;
  localEndpoint?: { serviceName?: string }; tags?: Record<string, string>;
}
export interface Proxy { name: string; namespace: string; type: string; podIp: string; adminPort: number; sync: Record<string, string> | null }
export interface ProxyConfig {
  listeners: Array<{ name: string; address: string }>; routes: Array<{ name: string; virtualHosts: string[] }>;
  clusters: Array<{ name: string; type: string }>; endpoints: Array<{ cluster: string; address: string; health: string }>;
}

export const POLL_MS = 3000;

export async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(path);
  const body = await r.json() as T & { error?: string };
  if (!r.ok) throw new Error(body.error ?? `${path}: ${r.status}`);
  return body;
}

/** The latest answer of `path` (re-fetched every POLL_MS while mounted), or its error. */
export function usePoll<T>(path: string | undefined, everyMs = POLL_MS): { data?: T; error?: string } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  useEffect(() => {
    if (!path) return undefined;
    let stopped = false;
    let timer: number | undefined;
    const tick = async (): Promise<void> => {
      try {
        const data = await getJson<T>(path);
        if (!stopped) setState({ data });
      } catch (e) {
        if (!stopped) setState((s) => ({ data: s.data, error: (e as Error).message }));
      }
      if (!stopped && everyMs > 0) timer = window.setTimeout(() => { void tick(); }, everyMs);
    };
    void tick();
    return () => { stopped = true; window.clearTimeout(timer); };
  }, [path, everyMs]);
  return state;
}

export const fmt = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits));
export const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
export type ValidationStatus = 'error' | 'warning' | 'info' | 'valid';
export interface IstioConfigItem {
  kind: string; apiVersion: string; namespace: string; name: string; status: ValidationStatus;
  messages: Array<{ level: 'Error' | 'Warning' | 'Info'; code: string; name: string; text: string }>;
}
export interface IstioConfig { resources: IstioConfigItem[]; pilotError?: string }
