// A compact description of a structural schema (the openAPIV3Schema of a CRD or a Kubernetes
// type), and the constructors the per-kind tables are written with.

/** One node of a structural schema. */
export type Schema =
  | { type: 'string'; enum?: readonly string[]; duration?: true; minLength?: number }
  | { type: 'integer' | 'number'; minimum?: number; maximum?: number }
  | { type: 'boolean' }
  /** x-kubernetes-int-or-string */
  | { type: 'int-or-string' }
  /** x-kubernetes-preserve-unknown-fields: anything goes below */
  | { type: 'any' }
  | { type: 'object'; properties: Readonly<Record<string, Schema>>; required: readonly string[] }
  /** an object with additionalProperties */
  | { type: 'map'; values: Schema }
  | { type: 'array'; items: Schema };

export const str: Schema = { type: 'string' };
/** A string of at least one character (minLength: 1). */
export const nonEmpty: Schema = { type: 'string', minLength: 1 };
/** google.protobuf.Duration with Istio's CEL rule `duration(self) >= duration('1ms')`. */
export const dur: Schema = { type: 'string', duration: true };
export const int: Schema = { type: 'integer' };
/** uint32 (and its wrapper): 0..4294967295. */
export const uint: Schema = { type: 'integer', minimum: 0, maximum: 4294967295 };
export const num: Schema = { type: 'number' };
export const bool: Schema = { type: 'boolean' };
export const intOrStr: Schema = { type: 'int-or-string' };
export const any: Schema = { type: 'any' };

/** A number in [minimum, maximum]. */
export const range = (minimum: number, maximum: number, type: 'integer' | 'number' = 'number'): Schema => ({ type, minimum, maximum });
/** A string enum. */
export const oneOf = (...values: string[]): Schema => ({ type: 'string', enum: values });
/** An object with exactly these properties; `required` names the ones that must be there. */
export const obj = (properties: Record<string, Schema>, ...required: string[]): Schema => ({ type: 'object', properties, required });
export const arr = (items: Schema): Schema => ({ type: 'array', items });
export const map = (values: Schema): Schema => ({ type: 'map', values });
export const strs: Schema = arr(str);
export const strMap: Schema = map(str);
