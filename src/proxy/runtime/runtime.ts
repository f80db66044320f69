// Envoy's runtime: layered key/value overrides read by filters (fault percentages, rate limit
// enablement). Later layers win; the snapshot is rebuilt when a disk layer or the admin layer changes.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LayeredRuntime } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { log } from '../log.js';
import { flattenStaticLayer, readDiskLayer, type LayerValues } from './layers.js';

const UINT64_MAX = 18446744073709551615n;
/** How long after a file event the disk layers are reread (a symlink swap is several events). */
const RELOAD_DEBOUNCE_MS = 50;

/** A merged value, parsed once when the snapshot is rebuilt (as Envoy's Snapshot::Entry). */
interface Entry {
  readonly raw: string;
  /** The value as an unsigned integer, when it is one. */
  readonly uint: number | undefined;
  /** The value as a percentage [numerator, denominator], when it is one. */
  readonly percent: readonly [number, number] | null;
}

interface Layer {
  readonly name: string;
  kind: 'static' | 'disk' | 'admin';
  values: LayerValues;
  /** Disk layers: the directory read, and the symlink root watched. */
  readonly dir?: string;
  readonly symlinkRoot?: string;
}

/** A layer as `/runtime` shows it. */
export interface RuntimeLayerView {
  name: string;
  values: Record<string, string>;
}

/** The process's runtime (Envoy's Runtime::Loader). */
export class Runtime {
  private layers: Layer[] = [];
  private merged = new Map<string, Entry>();
  private watchers: FSWatcher[] = [];
  private reloadTimer: NodeJS.Timeout | null = null;
  /** Called after every rebuild (stats). */
  onChange: (() => void) | null = null;

  /** Loads the bootstrap's layers (Envoy's default when unset: an empty static layer and an admin layer). */
  configure(config: LayeredRuntime | undefined, serviceCluster = ''): void {
    this.close();
    if (config === undefined) {
      this.layers = [{ name: 'base', kind: 'static', values: new Map() }, { name: 'admin', kind: 'admin', values: new Map() }];
    } else {
      this.layers = config.layers.map((l): Layer => {
        const spec = l.layerSpecifier;
        if (spec.case === 'staticLayer') {
          return { name: l.name, kind: 'static', values: flattenStaticLayer(spec.value) };
        }
        if (spec.case === 'diskLayer') {
          let dir = join(spec.value.symlinkRoot, spec.value.subdirectory);
          if (spec.value.appendServiceCluster) dir = join(dir, serviceCluster);
          return { name: l.name, kind: 'disk', values: readDiskLayer(dir), dir, symlinkRoot: spec.value.symlinkRoot };
        }
        // admin_layer; an rtds_layer stays empty until RTDS exists.
        return { name: l.name, kind: spec.case === 'adminLayer' ? 'admin' : 'static', values: new Map() };
      });
    }
    for (const l of this.layers) if (l.kind === 'disk') this.watchDisk(l.symlinkRoot!);
    this.rebuild();
  }

  /** The raw value of a key, or undefined. */
  get(key: string): string | undefined {
    return this.merged.get(key)?.raw;
  }

  /** Envoy's getInteger: the key as an unsigned integer, else the default. */
  getInteger(key: string, dflt: number): number {
    return this.merged.get(key)?.uint ?? dflt;
  }

  /** Envoy's getBoolean (as runtimeFeatureEnabled reads reloadable features): true/false, or an integer (0 is false). */
  getBoolean(key: string, dflt: boolean): boolean {
    const e = this.merged.get(key);
    if (e === undefined) return dflt;
    if (e.uint !== undefined) return e.uint !== 0;
    const v = e.raw.trim().toLowerCase();
    return v === 'true' ? true : v === 'false' ? false : dflt;
  }

  /**
   * Envoy's featureEnabled(key, FractionalPercent): a FractionalPercent value or an integer percent
   * (over 100 means always) from the runtime, else the default numerator/denominator.
   */
  featureEnabled(key: string, numerator: number, denominator: number, random: () => number): boolean {
    const p = key === '' ? undefined : this.merged.get(key)?.percent;
    if (p != null) [numerator, denominator] = p;
    if (numerator >= denominator) return true;
    if (numerator <= 0) return false;
    return Math.floor(random() * denominator) < numerator;
  }

  /** Whether there is an admin layer for /runtime_modify. */
  get hasAdminLayer(): boolean {
    return this.layers.some((l) => l.kind === 'admin');
  }

  /** /runtime_modify: sets keys in the admin layer; an empty value removes the override. */
  adminModify(overrides: Record<string, string>): void {
    const admin = this.layers.find((l) => l.kind === 'admin');
    if (admin === undefined) return;
    for (const [k, v] of Object.entries(overrides)) {
      if (v === '') admin.values.delete(k);
      else admin.values.set(k, v);
    }
    this.rebuild();
  }

  /** The layers, in order, for /runtime. */
  view(): RuntimeLayerView[] {
    return this.layers.map((l) => ({ name: l.name, values: Object.fromEntries(l.values) }));
  }

  /** Number of keys in the merged snapshot (runtime.num_keys). */
  get numKeys(): number {
    return this.merged.size;
  }

  get numLayers(): number {
    return this.layers.length;
  }

  /** Overrides set through /runtime_modify (runtime.admin_overrides_active). */
  get adminOverrides(): number {
    return this.layers.find((l) => l.kind === 'admin')?.values.size ?? 0;
  }

  /** Stops watching disk layers. */
  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.reloadTimer !== null) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
  }

  /** Envoy watches the symlink root's parent for the root being moved into place (a symlink swap). */
  private watchDisk(symlinkRoot: string): void {
    const parent = dirname(symlinkRoot);
    const name = basename(symlinkRoot);
    try {
      const w = watch(parent, { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.scheduleReload();
      });
      w.on('error', () => w.close());
      this.watchers.push(w);
    } catch (e) {
      log('runtime', 'warning', `runtime: cannot watch '${parent}': ${(e as Error).message}`);
    }
  }

  private scheduleReload(): void {
    if (this.reloadTimer !== null) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      for (const l of this.layers) if (l.kind === 'disk') l.values = readDiskLayer(l.dir!);
      this.rebuild();
      log('runtime', 'info', 'runtime: disk layers reloaded');
    }, RELOAD_DEBOUNCE_MS);
    this.reloadTimer.unref();
  }

  private rebuild(): void {
    const raw: LayerValues = new Map();
    for (const l of this.layers) for (const [k, v] of l.values) raw.set(k, v);
    const merged = new Map<string, Entry>();
    for (const [k, v] of raw) merged.set(k, { raw: v, uint: parseUint(v), percent: parsePercent(v) });
    this.merged = merged;
    this.onChange?.();
  }
}

const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/** A runtime value as an unsigned 64-bit integer, or undefined. */
function parseUint(v: string): number | undefined {
  if (!/^\d+$/.test(v)) return undefined;
  const n = BigInt(v);
  return n > UINT64_MAX ? undefined : Number(n);
}

/** A runtime value as a percentage: an integer (per cent) or a FractionalPercent in JSON. */
function parsePercent(v: string): [number, number] | null {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n > 100 ? [1, 1] : [n, 100];
  }
  if (!v.startsWith('{')) return null;
  try {
    const o = JSON.parse(v) as { numerator?: unknown; denominator?: unknown };
    if (typeof o.numerator !== 'number') return null;
    const d = typeof o.denominator === 'string' ? DENOMINATORS[o.denominator] : 100;
    return d === undefined ? null : [o.numerator, d];
  } catch {
    return null;
  }
}

/** The process-wide runtime, as Envoy's loader singleton. */
export const runtime = new Runtime();
