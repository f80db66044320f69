// The proxy's own log, in Envoy's default line shape: `[time][thread][level][logger] message`.
// Levels and loggers can be changed at run time through the admin /logging endpoint.
import { LOG_LEVELS, type LogLevel } from './server/options.js';

const RANK: Record<string, number> = Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i]));

/** Envoy's logger names that Strait writes to (a subset of Envoy's list). */
export const LOGGERS = ['admin', 'config', 'connection', 'http', 'main', 'router', 'runtime', 'upstream', 'pool',
  'dns', 'filter', 'tracing', 'secret', 'misc'] as const;
export type LoggerName = (typeof LOGGERS)[number];

const levels = new Map<string, LogLevel>(LOGGERS.map((n) => [n, 'info']));

/** Sets every logger's level (`--log-level`, POST /logging?level=). */
export function setAllLogLevels(level: LogLevel): void {
  for (const n of levels.keys()) levels.set(n, level);
}

/** Sets one logger's level; false if the logger is unknown. */
export function setLogLevel(name: string, level: LogLevel): boolean {
  if (!levels.has(name)) return false;
  levels.set(name, level);
  return true;
}

/** Every logger with its level, for GET/POST /logging. */
export function logLevels(): Record<string, string> {
  return Object.fromEntries([...levels.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function stamp(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:` +
    `${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Whether `logger` logs at `level`. */
export function enabled(logger: LoggerName, level: LogLevel): boolean {
  return RANK[level] >= RANK[levels.get(logger) ?? 'info'] && level !== 'off';
}

/** Writes one line to stderr if the logger's level allows it. */
export function log(logger: LoggerName, level: LogLevel, message: string): void {
  if (!enabled(logger, level)) return;
  process.stderr.write(`[${stamp()}][${process.pid}][${level}][${logger}] ${message}\n`);
}
