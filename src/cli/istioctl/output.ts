// The -o flag of proxy-config/proxy-status: short (the table), json (istioctl's 4-space
// indented JSON of the resources) or yaml; anything else is a CliError.
import { stringify } from 'yaml';
import { CliError } from '../cli-error.js';

export type OutputFormat = 'short' | 'json' | 'yaml';

export function parseOutput(v: string | undefined): OutputFormat {
  const o = v ?? 'short';
  if (o === 'short' || o === 'json' || o === 'yaml') return o;
  throw new CliError(`Error: output format "${o}" not supported (use short, json or yaml)`);
}

/** JSON or YAML text of `value`, newline-terminated. */
export function render(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 4)}\n` : stringify(value);
}
