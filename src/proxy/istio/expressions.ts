// The attribute expressions a stats.PluginConfig dimension may use, compiled once: string
// literals, request.*, node.metadata['K'], upstream_peer/downstream_peer fields, xds.cluster_name.
import type { JsonObject } from '@bufbuild/protobuf';
import type { RequestHead } from '../http/headers.js';
import { peerField, type PeerInfo } from './peer-info.js';

/** What an expression reads for one stream (or connection). */
export interface AttributeContext {
  readonly request?: RequestHead;
  readonly responseCode?: number;
  readonly nodeMetadata?: JsonObject;
  readonly upstreamPeer?: PeerInfo;
  readonly downstreamPeer?: PeerInfo;
  readonly clusterName: string;
}

/** A compiled expression: its value, or undefined when it has none (the label then reads `unknown`). */
export type Expression = (ctx: AttributeContext) => string | undefined;

const QUOTED = String.raw`'([^']*)'|"([^"]*)"`;
const LITERAL = new RegExp(`^(?:${QUOTED})$`);
const HEADER = new RegExp(`^request\\.headers\\[(?:${QUOTED})\\]$`);
const NODE_META = new RegExp(`^node\\.metadata\\[(?:${QUOTED})\\]$`);
const PEER = /^(upstream_peer|downstream_peer)\.([A-Za-z_][A-Za-z0-9_]*)$/;

const REQUEST: Record<string, (r: RequestHead) => string> = {
  'request.host': (r) => r.authority,
  'request.method': (r) => r.method,
  'request.path': (r) => r.path,
  'request.url_path': (r) => {
    const q = r.path.indexOf('?');
    return q < 0 ? r.path : r.path.slice(0, q);
  },
  'request.scheme': (r) => r.scheme,
};

const unknown: Expression = () => undefined;

/** Compiles one expression; an unsupported one always yields undefined. */
export function compileExpression(text: string): Expression {
  const e = text.trim();
  let m = LITERAL.exec(e);
  if (m) {
    const v = m[1] ?? m[2] ?? '';
    return () => v;
  }
  const req = REQUEST[e];
  if (req !== undefined) return (c) => (c.request === undefined ? undefined : req(c.request));
  m = HEADER.exec(e);
  if (m) {
    const name = (m[1] ?? m[2] ?? '').toLowerCase();
    return (c) => c.request?.headers.get(name);
  }
  m = NODE_META.exec(e);
  if (m) {
    const key = m[1] ?? m[2] ?? '';
    return (c) => {
      const v = c.nodeMetadata?.[key];
      return typeof v === 'string' ? v : undefined;
    };
  }
  m = PEER.exec(e);
  if (m) {
    const upstream = m[1] === 'upstream_peer';
    const key = m[2]!;
    return (c) => {
      const p = upstream ? c.upstreamPeer : c.downstreamPeer;
      return p === undefined ? undefined : peerField(p, key);
    };
  }
  if (e === 'xds.cluster_name') return (c) => (c.clusterName === '' ? undefined : c.clusterName);
  if (e === 'response.code') return (c) => (c.responseCode === undefined ? undefined : String(c.responseCode));
  return unknown;
}
