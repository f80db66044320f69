// The config store contract (list/get/apply/delete/watch) and its in-memory implementation:
// apply validates, stamps resourceVersion/generation/creationTimestamp and emits watch events.
import type { ConfigObject } from './object.js';
import { kindByName } from './kinds.js';
import { validateObject } from './validation/validate-object.js';
import type { FieldError } from './validation/field-error.js';

/** A change seen by watchers. */
export interface ConfigEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: ConfigObject;
  old?: ConfigObject;
}

/** Outcome of apply: the stored object, or the validation errors (nothing stored). */
export type ApplyResult = { ok: true; object: ConfigObject; warnings: FieldError[] } | { ok: false; errors: FieldError[] };

/** Storage of config objects by kind/namespace/name. */
export interface ConfigStore {
  /** Every stored object of every kind. */
  all(): ConfigObject[];
  list(kind: string, namespace?: string, labelSelector?: Record<string, string>): ConfigObject[];
  get(kind: string, namespace: string | undefined, name: string): ConfigObject | undefined;
  apply(obj: ConfigObject): ApplyResult;
  delete(kind: string, namespace: string | undefined, name: string): boolean;
  watch(handler: (event: ConfigEvent) => void): () => void;
}

function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** An in-memory ConfigStore; objects without a namespace get `defaultNamespace`. */
export class MemoryConfigStore implements ConfigStore {
  private readonly objects = new Map<string, ConfigObject>();
  private readonly handlers = new Set<(e: ConfigEvent) => void>();
  private version = 0;

  constructor(readonly defaultNamespace = 'default') {}

  private namespaceFor(kind: string, namespace: string | undefined): string | undefined {
    const info = kindByName(kind);
    if (info && !info.namespaced) return undefined;
    return namespace ?? this.defaultNamespace;
  }

  all(): ConfigObject[] {
    return [...this.objects.values()];
  }

  list(kind: string, namespace?: string, labelSelector?: Record<string, string>): ConfigObject[] {
    const out: ConfigObject[] = [];
    for (const o of this.objects.values()) {
      if (o.kind !== kind) continue;
      if (namespace !== undefined && o.metadata.namespace !== namespace) continue;
      if (labelSelector && !Object.entries(labelSelector).every(([k, v]) => o.metadata.labels?.[k] === v)) continue;
      out.push(o);
    }
    return out.sort((a, b) => keyOf(a.kind, a.metadata.namespace, a.metadata.name).localeCompare(keyOf(b.kind, b.metadata.namespace, b.metadata.name)));
  }

  get(kind: string, namespace: string | undefined, name: string): ConfigObject | undefined {
    return this.objects.get(keyOf(kind, this.namespaceFor(kind, namespace), name));
  }

  apply(obj: ConfigObject): ApplyResult {
    const { errors, warnings } = validateObject(obj);
    if (errors.length > 0) return { ok: false, errors };
    const namespace = this.namespaceFor(obj.kind, obj.metadata.namespace);
    const key = keyOf(obj.kind, namespace, obj.metadata.name);
    const old = this.objects.get(key);
    const specChanged = !old || JSON.stringify(old.spec) !== JSON.stringify(obj.spec);
    const metadata = { ...obj.metadata };
    if (namespace === undefined) delete metadata.namespace;
    else metadata.namespace = namespace;
    metadata.resourceVersion = String(++this.version);
    metadata.generation = old ? (old.metadata.generation ?? 1) + (specChanged ? 1 : 0) : 1;
    metadata.creationTimestamp = old?.metadata.creationTimestamp ?? new Date().toISOString();
    const stored: ConfigObject = { ...obj, metadata };
    this.objects.set(key, stored);
    this.emit(old ? { type: 'MODIFIED', object: stored, old } : { type: 'ADDED', object: stored });
    return { ok: true, object: stored, warnings };
  }

  delete(kind: string, namespace: string | undefined, name: string): boolean {
    const key = keyOf(kind, this.namespaceFor(kind, namespace), name);
    const old = this.objects.get(key);
    if (!old) return false;
    this.objects.delete(key);
    this.emit({ type: 'DELETED', object: old });
    return true;
  }

  watch(handler: (event: ConfigEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  private emit(e: ConfigEvent): void {
    for (const h of [...this.handlers]) h(e);
  }
}
