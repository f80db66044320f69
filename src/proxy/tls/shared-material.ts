// TLS material made once per content: a mesh sidecar's outbound clusters all present one workload
// certificate and trust one CA (they differ only in SNI and SAN checks), so they share node's work.
import { createHash, type Hash } from 'node:crypto';
import tls from 'node:tls';

/** Client secure contexts by their options' digest, while some TLS context still uses them. */
const contexts = new Map<string, WeakRef<tls.SecureContext>>();
const collected = new FinalizationRegistry<string>((key) => {
  if (contexts.get(key)?.deref() === undefined) contexts.delete(key);
});

/** Outcomes of checks that depend only on bytes (a chain and its key parse and match): the last few kept. */
const checks = new Map<string, unknown>();
const MAX_CHECKS = 32;

/** Feeds `v` (secure context options: buffers, strings, numbers, arrays, plain objects) to `h`, unambiguously. */
function feed(h: Hash, v: unknown): void {
  if (v === undefined || v === null) {
    h.update('\0u');
  } else if (v instanceof Uint8Array) {
    h.update(`\0b${v.length}:`);
    h.update(v);
  } else if (typeof v === 'string') {
    h.update(`\0s${Buffer.byteLength(v)}:`);
    h.update(v);
  } else if (typeof v === 'number' || typeof v === 'boolean') {
    h.update(`\0n${String(v)}`);
  } else if (v === tls.rootCertificates) {
    h.update('\0system roots');
  } else if (Array.isArray(v)) {
    h.update(`\0a${v.length}`);
    for (const x of v) feed(h, x);
  } else if (typeof v === 'object') {
    const keys = Object.keys(v).sort();
    h.update(`\0o${keys.length}`);
    for (const k of keys) {
      h.update(`${k}:`);
      feed(h, (v as Record<string, unknown>)[k]);
    }
  } else {
    throw new TypeError(`cannot digest a ${typeof v}`);
  }
}

/** A digest of `parts` that differs whenever any of them does. */
export function digestOf(...parts: unknown[]): string {
  const h = createHash('sha256');
  feed(h, parts);
  return h.digest('base64');
}

/**
 * tls.createSecureContext(options) for an upstream (client) context, or the context made earlier from
 * equal options while it is still in use. Server contexts are not shared: each keeps its own session
 * cache and ticket keys, as each of Envoy's does.
 */
export function sharedClientContext(options: tls.SecureContextOptions): tls.SecureContext {
  const key = digestOf(options);
  const found = contexts.get(key)?.deref();
  if (found !== undefined) return found;
  const made = tls.createSecureContext(options);
  contexts.set(key, new WeakRef(made));
  collected.register(made, key);
  return made;
}

/** `check()`'s outcome, run once per `key` (which must name everything it reads); the last outcomes are kept. */
export function checkedOnce<T extends NonNullable<unknown> | null>(key: string, check: () => T): T {
  if (checks.has(key)) return checks.get(key) as T;
  const outcome = check();
  if (checks.size >= MAX_CHECKS) checks.delete(checks.keys().next().value as string);
  checks.set(key, outcome);
  return outcome;
}
