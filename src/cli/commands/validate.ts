// `strait validate -f FILE|DIR|- ...`: like `istioctl validate`, validates Istio and Kubernetes
// resources offline; prints each error as file:line: Kind ns/name: path: reason, exits 1 on any error.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { loadConfigText, formatLoadError } from '../../pilot/config/yaml-loader.js';
import { manifestFiles } from '../manifest-files.js';
import { validateObject, isKnownKind } from '../../pilot/config/validation/validate-object.js';

const expand = (path: string): string[] => manifestFiles(path, 'strait validate');

/** Validates the files; returns the error lines, the warning lines and the per-file verdict lines. */
export function validateFiles(paths: readonly string[]): { errors: string[]; warnings: string[]; valid: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const valid: string[] = [];
  for (const file of paths.flatMap(expand)) {
    const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
    const name = file === '-' ? '<stdin>' : file;
    const res = loadConfigText(text, name);
    const before = errors.length;
    errors.push(...res.errors.map(formatLoadError));
    for (const o of res.objects) {
      if (!isKnownKind(o)) {
        // unknown kinds (IstioOperator, Flagger Canary, RBAC ...) are reported, not failed
        warnings.push(`${name}:${o.source?.line ?? 1}: skipping unknown kind ${o.kind || '<none>'} (${o.apiVersion || 'no apiVersion'})`);
        continue;
      }
      const r = validateObject(o);
      errors.push(...r.errors.map((e) => e.formatted));
      warnings.push(...r.warnings.map((w) => w.formatted));
    }
    if (errors.length === before) valid.push(`"${name}" is valid`);
  }
  return { errors, warnings, valid };
}

/** Adds the `validate` subcommand. */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('validate Istio and Kubernetes resources in files or directories (like istioctl validate)')
    .requiredOption('-f, --filename <path>', 'file, directory or - for stdin (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .action((opts: { filename: string[] }) => {
      const { errors, warnings, valid } = validateFiles(opts.filename);
      for (const w of warnings) process.stderr.write(`Warning: ${w}\n`);
      if (errors.length > 0) {
        throw new CliError(errors.map((e) => `Error: ${e}`).join('\n'), 1);
      }
      for (const v of valid) process.stdout.write(`${v}\n`);
    });
}
