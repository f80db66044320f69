// POST `/logging`: changes logger levels (`?level=`, `?paths=a:debug,b:info`, `?<logger>=<level>`)
// and lists the active loggers, with Envoy's error and usage text.
import type { AdminContext } from './types.js';

/** spdlog's level names, in Envoy's order. */
export const LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'] as const;

function listLoggers(ctx: AdminContext): string {
  let s = 'active loggers:\n';
  for (const [name, level] of Object.entries(ctx.logLevels())) s += `  ${name}: ${level}\n`;
  return `${s}\n`;
}

function usage(error: string): string {
  return `error: ${error}\n\n` +
    'usage: /logging?<name>=<level> (change single level)\n' +
    'usage: /logging?paths=name1:level1,name2:level2,... (change multiple levels)\n' +
    'usage: /logging?level=<level> (change all levels)\n' +
    `levels: ${LEVELS.map((l) => `${l} `).join('')}\n`;
}

function isLevel(s: string): boolean {
  return (LEVELS as readonly string[]).includes(s);
}

/** Applies the change; returns Envoy's error message or null. */
function change(query: ReadonlyMap<string, string>, ctx: AdminContext): string | null {
  if (query.size !== 1) return 'invalid number of parameters';
  const [key, value] = query.entries().next().value as [string, string];
  if (key === 'level') {
    if (!isLevel(value)) return 'unknown logger level';
    ctx.setLogLevel(value);
    return null;
  }
  const changes = new Map<string, string>();
  if (key === 'paths') {
    for (const pair of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
      const colon = pair.indexOf(':');
      const name = colon < 0 ? pair : pair.slice(0, colon).trim();
      const level = colon < 0 ? '' : pair.slice(colon + 1).trim();
      if (name === '' || level === '') return 'empty logger name or empty logger level';
      if (!isLevel(level)) return 'unknown logger level';
      changes.set(name, level);
    }
  } else {
    if (!isLevel(value)) return 'unknown logger level';
    changes.set(key, value);
  }
  const known = ctx.logLevels();
  for (const name of changes.keys()) if (!(name in known)) return 'unknown logger name';
  for (const [name, level] of changes) ctx.setLogLevel(level, name);
  return null;
}

/** Handles POST /logging; returns status and body. */
export function handleLogging(query: ReadonlyMap<string, string>, ctx: AdminContext): { status: number; body: string } {
  let status = 200;
  let body = '';
  if (query.size > 0) {
    const err = change(query, ctx);
    if (err !== null) {
      status = 400;
      body = usage(err);
    }
  }
  return { status, body: body + listLoggers(ctx) };
}
