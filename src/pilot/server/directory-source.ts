// A ConfigSource over a directory of YAML/JSON manifests (multi-document, `kind: List` expanded),
// rescanned on change: objects are diffed by kind/namespace/name into ADDED/MODIFIED/DELETED.
// A file that fails to parse keeps its previous objects (bad input loses nothing) and is reported.
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ConfigObject } from '../config/object.js';
import type { ConfigChange, ConfigSource } from './config-source.js';

const MANIFEST = /\.(ya?ml|json)$/;
const CLUSTER_SCOPED = new Set(['Namespace']);

export interface DirectorySourceOptions {
  /** Namespace of objects that name none (as `kubectl apply`); default `default`. */
  defaultNamespace?: string;
  /** Quiet time after a file event before rescanning, ms; default 30. */
  settleMs?: number;
  /** Problems with files (syntax errors, objects without kind or name). */
  onError?: (message: string) => void;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    if (e.startsWith('.')) continue;
    const p = join(dir, e);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) out.push(...listFiles(p));
    else if (st?.isFile() && MANIFEST.test(e)) out.push(p);
  }
  return out.sort();
}

export class DirectorySource implements ConfigSource {
  private objects = new Map<string, ConfigObject>();
  private byFile = new Map<string, ConfigObject[]>();
  private readonly handlers = new Set<(c: ConfigChange) => void>();
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private readonly defaultNs: string;

  constructor(readonly dir: string, private readonly opts: DirectorySourceOptions = {}) {
    this.defaultNs = opts.defaultNamespace ?? 'default';
  }

  /** Reads the directory once and starts watching it. */
  start(): void {
    this.rescan();
    this.watcher = watch(this.dir, { recursive: true }, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.rescan(), this.opts.settleMs ?? 30);
    });
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }

  all(): ConfigObject[] {
    return [...this.objects.values()];
  }

  watch(handler: (c: ConfigChange) => void): () => void {
    this.handlers.add(handler);
    return () => { this.handlers.delete(handler); };
  }

  private parseFile(file: string): ConfigObject[] | undefined {
    const rel = relative(this.dir, file);
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { return []; }
    const out: ConfigObject[] = [];
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) {
        const e = doc.errors[0];
        this.opts.onError?.(`${rel}:${e.linePos?.[0].line ?? 0}: ${e.message.split('\n')[0]}`);
        return undefined;
      }
      const v = doc.toJS() as { kind?: string; items?: unknown[] } | null;
      if (v === null || typeof v !== 'object') continue;
      const items = (v.kind === 'List' && Array.isArray(v.items) ? v.items : [v]) as ConfigObject[];
      for (const o of items) {
        if (typeof o?.kind !== 'string' || typeof o.metadata?.name !== 'string') {
          this.opts.onError?.(`${rel}: a document without kind or metadata.name is ignored`);
          continue;
        }
        const ns = CLUSTER_SCOPED.has(o.kind) ? undefined : (o.metadata.namespace ?? this.defaultNs);
        out.push({ ...o, metadata: { ...o.metadata, namespace: ns } });
      }
    }
    return out;
  }

  private rescan(): void {
    const files = listFiles(this.dir);
    const byFile = new Map<string, ConfigObject[]>();
    for (const f of files) byFile.set(f, this.parseFile(f) ?? this.byFile.get(f) ?? []);
    const next = new Map<string, ConfigObject>();
    for (const list of byFile.values()) {
      for (const o of list) {
        const k = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        if (!next.has(k)) next.set(k, o); // the first file (in name order) wins a duplicate
      }
    }
    const changes: ConfigChange[] = [];
    const now = new Date().toISOString();
    for (const [k, o] of next) {
      const old = this.objects.get(k);
      if (old === undefined) {
        o.metadata.creationTimestamp ??= now;
        changes.push({ type: 'ADDED', object: o });
      } else if (JSON.stringify({ ...old, metadata: { ...old.metadata, creationTimestamp: undefined } })
        !== JSON.stringify({ ...o, metadata: { ...o.metadata, creationTimestamp: undefined } })) {
        o.metadata.creationTimestamp ??= old.metadata.creationTimestamp;
        changes.push({ type: 'MODIFIED', object: o, old });
      } else {
        next.set(k, old);
      }
    }
    for (const [k, o] of this.objects) if (!next.has(k)) changes.push({ type: 'DELETED', object: o });
    this.objects = next;
    this.byFile = byFile;
    for (const c of changes) for (const h of this.handlers) h(c);
  }
}
