// A config source that loads every *.yaml/*.yml/*.json under a directory into a ConfigStore and
// keeps it in sync (fs.watch + debounced rescan); invalid objects are not admitted (reported once
// per version, by file and object, as a validating webhook refuses them), old versions kept.
import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join, relative } from 'node:path';
import type { ConfigObject } from './object.js';
import type { ConfigStore } from './store.js';
import type { FieldError } from './validation/field-error.js';
import { loadConfigText, formatLoadError } from './yaml-loader.js';
import { lookupKind, notAppliedWarning } from './kinds.js';
import { validateObject, isKnownKind } from './validation/validate-object.js';

/** Options of a DirectorySource. */
export interface DirectorySourceOptions {
  /** Called with one line per problem (syntax error, invalid object, duplicate, unknown kind). */
  onProblem?: (message: string) => void;
  /** Called once per version of an object that fails validation and is not admitted. */
  onRejected?: (object: ConfigObject, errors: FieldError[]) => void;
  debounceMs?: number;
}

const CONFIG_FILE = /\.(ya?ml|json)$/;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile() && CONFIG_FILE.test(e.name)) out.push(p);
  }
  return out.sort();
}

function idOf(o: ConfigObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Syncs a directory tree into a store. */
export class DirectorySource {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** ids this source has applied, with the kind/ns/name to delete them. */
  private readonly applied = new Map<string, { kind: string; namespace: string | undefined; name: string }>();
  /** ids of the invalid objects of the last scan, with what each said (reported again only when that changes). */
  private rejected = new Map<string, string>();

  constructor(readonly dir: string, readonly store: ConfigStore, readonly options: DirectorySourceOptions = {}) {}

  /** Loads the directory once and starts watching it. */
  start(): void {
    this.rescan();
    this.watcher = watch(this.dir, { recursive: true }, () => this.schedule());
  }

  /** Stops watching. */
  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.rescan();
    }, this.options.debounceMs ?? 50);
  }

  private problem(msg: string): void {
    this.options.onProblem?.(msg);
  }

  /** Reads every file, applies valid objects, deletes the ones whose file/document went away. */
  rescan(): void {
    const seen = new Map<string, string>(); // id -> file that defined it first
    const keep = new Set<string>(); // ids still present (valid or not: invalid ones keep their old version)
    const rejected = new Map<string, string>();
    let files: string[] = [];
    try {
      files = listFiles(this.dir);
    } catch (e) {
      this.problem(`${this.dir}: ${(e as Error).message}`);
      return;
    }
    for (const path of files) {
      const file = relative(this.dir, path);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue; // removed between listing and reading
      }
      const { objects, errors } = loadConfigText(text, file);
      for (const e of errors) this.problem(formatLoadError(e));
      if (errors.length > 0) {
        // a file that does not parse keeps everything it defined before
        for (const [id] of this.applied) if (this.fileOf.get(id) === file) keep.add(id);
      }
      for (const o of objects) {
        if (!isKnownKind(o)) {
          this.problem(`${file}:${o.source?.line ?? 1}: skipping unknown kind ${o.kind} (${o.apiVersion})`);
          continue;
        }
        const probe = this.store.get(o.kind, o.metadata?.namespace, o.metadata?.name ?? '');
        const id = probe ? idOf(probe) : `${o.kind}/${o.metadata?.namespace ?? '?'}/${o.metadata?.name ?? ''}`;
        const first = seen.get(id);
        if (first !== undefined) {
          this.problem(`${file}:${o.source?.line ?? 1}: duplicate ${o.kind} ${o.metadata?.name ?? ''} (first defined in ${first}); ignored`);
          continue;
        }
        seen.set(id, file);
        const { errors: invalid } = validateObject(o);
        if (invalid.length > 0) {
          const said = JSON.stringify([o.metadata, o.spec, file]);
          if (this.rejected.get(id) !== said) {
            const stays = probe ? ', its previous version stays' : '';
            for (const e of invalid) this.problem(`${e.formatted} (not admitted${stays})`);
            this.options.onRejected?.(o, invalid);
          }
          rejected.set(id, said);
          keep.add(id);
          continue;
        }
        const unchanged = probe && JSON.stringify(probe.spec) === JSON.stringify(o.spec) &&
          JSON.stringify(probe.metadata.labels ?? {}) === JSON.stringify(o.metadata.labels ?? {}) &&
          JSON.stringify(probe.metadata.annotations ?? {}) === JSON.stringify(o.metadata.annotations ?? {});
        const stored = unchanged ? probe : (() => {
          if (lookupKind(o.apiVersion, o.kind)?.notApplied) this.problem(`${file}:${o.source?.line ?? 1}: ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}: ${notAppliedWarning(o.kind)}`);
          const r = this.store.apply(o);
          return r.ok ? r.object : undefined;
        })();
        if (!stored) continue;
        const sid = idOf(stored);
        keep.add(sid);
        this.applied.set(sid, { kind: stored.kind, namespace: stored.metadata.namespace, name: stored.metadata.name });
        this.fileOf.set(sid, file);
      }
    }
    this.rejected = rejected;
    for (const [id, ref] of [...this.applied]) {
      if (keep.has(id)) continue;
      this.store.delete(ref.kind, ref.namespace, ref.name);
      this.applied.delete(id);
      this.fileOf.delete(id);
    }
  }

  private readonly fileOf = new Map<string, string>();
}
