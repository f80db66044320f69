// Pretty JSON as Envoy's MessageUtil prints protos: one space per indent level, `"key": value`.
// Callers build objects with proto3 JSON rules (snake_case, defaults omitted) in field order.

/** Pretty-prints like protobuf's JSON printer with add_whitespace. */
export function protoJson(value: unknown): string {
  return JSON.stringify(value, null, 1);
}

/** A proto3 Duration in JSON (`"123s"`, `"1.500s"`). */
export function durationJson(seconds: number): string {
  if (Number.isInteger(seconds)) return `${seconds}s`;
  const ms = Math.round(seconds * 1000);
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}s`;
}
