// Edits of byte strings for the fuzz targets (set, insert, cut, truncate at positions taken modulo
// the length), shared by the xDS wire mutations and the HTTP/1 request mutations.
import fc from 'fast-check';

/** One edit of encoded bytes; positions are taken modulo the length. */
export type ByteEdit =
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'cut'; at: number; length: number }
  | { op: 'truncate'; at: number };

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(0x00, 0x7f, 0x80, 0xff)) }), weight: 4 },
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

export function applyByteEdits(bytes: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let b = bytes;
  for (const e of edits) {
    const i = e.at % (b.length + 1);
    if (e.op === 'set') {
      if (b.length === 0) continue;
      b = b.slice();
      b[i % b.length] = e.value;
    } else if (e.op === 'insert') {
      b = new Uint8Array([...b.subarray(0, i), ...e.bytes, ...b.subarray(i)]);
    } else if (e.op === 'cut') {
      b = new Uint8Array([...b.subarray(0, i), ...b.subarray(i + e.length)]);
    } else {
      b = b.slice(0, i);
    }
  }
  return b;
}
