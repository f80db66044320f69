// The structural check of a document against its kind's schema, as the Kubernetes apiserver does
// it: unknown fields (strict decoding), types, enums, required fields, bounds, and Istio's duration rule.
import { parseDurationMs } from '../common.js';
import type { Schema } from './types.js';

/** One finding; unknown fields are found while decoding, the rest by the schema validation after it. */
export interface StructuralFinding {
  path: string;
  message: string;
  unknownField: boolean;
}

/** The JSON type name of a value, as the apiserver names it in its messages. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Checks `value` at `path` against `schema`, appending findings to `out`; null counts as absent (the apiserver prunes it). */
export function checkStructure(value: unknown, schema: Schema, path: string, out: StructuralFinding[]): void {
  if (value === null || value === undefined || schema.type === 'any') return;
  const invalid = (message: string): void => { out.push({ path, message, unknownField: false }); };
  const actual = typeName(value);
  const wrongType = (expected: string): void =>
    invalid(`Invalid value: "${actual}": ${path} in body must be of type ${expected}: "${actual}"`);
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return wrongType('string');
      if (schema.enum && !schema.enum.includes(value)) {
        return invalid(`Unsupported value: ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
      }
      if (schema.minLength !== undefined && value.length < schema.minLength) {
        return invalid(`Invalid value: ${JSON.stringify(value)}: ${path} in body should be at least ${schema.minLength} chars long`);
      }
      if (schema.duration && !((parseDurationMs(value) ?? 0) >= 1)) invalid('Invalid value: "string": must be a valid duration greater than 1ms');
      return;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (schema.type === 'integer' && !Number.isInteger(value))) return wrongType(schema.type);
      if (schema.minimum !== undefined && value < schema.minimum) {
        return invalid(`Invalid value: ${value}: ${path} in body should be greater than or equal to ${schema.minimum}`);
      }
      if (schema.maximum !== undefined && value > schema.maximum) {
        invalid(`Invalid value: ${value}: ${path} in body should be less than or equal to ${schema.maximum}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrongType('boolean');
      return;
    case 'int-or-string':
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) wrongType('int-or-string');
      return;
    case 'array':
      if (!Array.isArray(value)) return wrongType('array');
      // a null item is not pruned: it fails the item's type
      value.forEach((item, i) => {
        const at = `${path}[${i}]`;
        if (item === null) out.push({ path: at, message: `Invalid value: "null": ${at} in body must be of type ${schema.items.type}: "null"`, unknownField: false });
        else checkStructure(item, schema.items, at, out);
      });
      return;
    case 'map':
      if (actual !== 'object') return wrongType('object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) checkStructure(v, schema.values, join(path, k), out);
      return;
    case 'object': {
      if (actual !== 'object') return wrongType('object');
      const o = value as Record<string, unknown>;
      for (const [k, v] of Object.entries(o)) {
        const p = join(path, k);
        const s = schema.properties[k];
        if (s) checkStructure(v, s, p, out);
        else out.push({ path: p, message: `unknown field "${p}"`, unknownField: true });
      }
      for (const k of schema.required) {
        if (o[k] === undefined || o[k] === null) out.push({ path: join(path, k), message: 'Required value', unknownField: false });
      }
    }
  }
}
