// A validation finding (field path + reason) and the collector the per-kind validators fill;
// formatted as `file:line: Kind ns/name: path: reason` when the object has a source.
import type { ConfigObject } from '../object.js';

/** One error or warning about one field. */
export interface FieldError {
  path: string;
  message: string;
  /** `file:line: Kind ns/name: path: message` (without file:line when there is no source). */
  formatted: string;
}

/** Errors and warnings of one object. */
export interface ValidationResult {
  errors: FieldError[];
  warnings: FieldError[];
}

/** Collects findings for one object. */
export class Findings {
  readonly errors: { path: string; message: string }[] = [];
  readonly warnings: { path: string; message: string }[] = [];
  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }
}

/** Formats a finding of `o` at `path`. */
export function formatFinding(o: ConfigObject, path: string, message: string): string {
  const ns = o.metadata?.namespace;
  const id = `${o.kind} ${ns ? `${ns}/` : ''}${o.metadata?.name ?? ''}`;
  const where = o.source ? `${o.source.file}:${o.source.lineOf(path)}: ` : '';
  return `${where}${id}: ${path}: ${message}`;
}
