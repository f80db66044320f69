// Reading untyped proto3 JSON (an admin /config_dump, /clusters?format=json): safe accessors that
// turn a missing or mistyped field into an empty object, list or string instead of a crash.

export type Json = Record<string, unknown>;

export function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** A JSON copy without the Any's `@type` (istioctl -o json prints bare resources). */
export function withoutType(v: unknown): Json {
  const { '@type': _t, ...rest } = obj(v);
  return rest;
}
