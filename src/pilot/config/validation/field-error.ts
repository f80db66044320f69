// A validation finding (field path + reason) and the collector the per-kind validators fill;
// formatted as `file:line: Kind ns/name: path: reason` when the object has a source.
import type { ConfigObject } from '../object.js';

/** One error or warning about one field. */
export interface FieldError {
  path: string;
  message: string;
  /** `file:line: Kind ns/name: path: message` (without file:line when there is no source). */
  formatted: string;
  /** Istio's AnalysisAwareError type, when istioctl analyze reports this warning under its own message. */
  analysisType?: AnalysisType;
}

/** Warnings istioctl analyze reports with their own codes rather than as IST0133 SchemaWarning. */
export type AnalysisType = 'VirtualServiceUnreachableRule' | 'VirtualServiceIneffectiveMatch';

/** A finding as the validators record it. */
export interface Finding {
  path: string;
  message: string;
  analysisType?: AnalysisType;
}

/**
 * Where an object was refused, as a Kubernetes apiserver with Istio's webhook refuses it: while decoding
 * (unknown fields), by the object's validation (metadata, schema types, enums, required fields, the
 * Kubernetes kinds' own rules), or by the admission webhook (Istio's semantic checks).
 */
export type RefusalStage = 'decoding' | 'validation' | 'admission';

/** Errors and warnings of one object; `stage` tells which step refused it when there are errors. */
export interface ValidationResult {
  errors: FieldError[];
  warnings: FieldError[];
  stage?: RefusalStage;
}

/** Collects findings for one object. */
export class Findings {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];
  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  warn(path: string, message: string, analysisType?: AnalysisType): void {
    this.warnings.push(analysisType === undefined ? { path, message } : { path, message, analysisType });
  }
}

/** Formats a finding of `o` at `path`. */
export function formatFinding(o: ConfigObject, path: string, message: string): string {
  const ns = o.metadata?.namespace;
  const id = [o.kind, `${ns ? `${ns}/` : ''}${o.metadata?.name ?? ''}`].filter((s) => s !== '').join(' ');
  const where = o.source ? `${o.source.file}:${o.source.lineOf(path)}: ` : '';
  return `${where}${id ? `${id}: ` : ''}${path}: ${message}`;
}
