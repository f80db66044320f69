// Runtime layers as Envoy builds them from layered_runtime: static_layer (a Struct flattened to
// dotted keys), disk_layer (a directory tree, one file per key) and admin_layer (/runtime_modify).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonValue } from '@bufbuild/protobuf';

/** One layer's values, by dotted key. */
export type LayerValues = Map<string, string>;

/** Flattens a static_layer Struct (as JSON): nested objects become dotted keys, as Envoy's. */
export function flattenStaticLayer(value: JsonValue, prefix = '', out: LayerValues = new Map()): LayerValues {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    // A FractionalPercent object is one value, not a subtree.
    if ('numerator' in value && prefix !== '') {
      out.set(prefix, JSON.stringify(value));
      return out;
    }
    for (const [k, v] of Object.entries(value)) flattenStaticLayer(v, prefix === '' ? k : `${prefix}.${k}`, out);
    return out;
  }
  if (prefix !== '') out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  return out;
}

/**
 * Reads a disk layer: every regular file under `dir` is a key (its path with '/' turned into '.'),
 * its content (trailing whitespace trimmed) the value. A missing directory is an empty layer.
 */
export function readDiskLayer(dir: string, prefix = '', out: LayerValues = new Map()): LayerValues {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    const key = prefix === '' ? name : `${prefix}.${name}`;
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) readDiskLayer(p, key, out);
    else if (st.isFile()) out.set(key, readFileSync(p, 'utf8').replace(/\s+$/, ''));
  }
  return out;
}
