// Access loggers built from envoy.config.accesslog.v3.AccessLog: file, stdout and stderr loggers,
// each a filter + a compiled formatter + a shared buffered sink. The manager owns the sinks.
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { fromJson, type JsonValue, type Message } from '@bufbuild/protobuf';
import type { AccessLog } from '../../xds/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import type { FileAccessLog } from '../../xds/gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import type {
  StdoutAccessLog,
  StderrAccessLog,
} from '../../xds/gen/envoy/extensions/access_loggers/stream/v3/stream_pb.js';
import { registry } from '../../xds/registry.js';
import type { StreamInfo } from '../http/stream-info.js';
import { AccessLogConfigError } from './errors.js';
import { compileFilter, type LogFilter } from './filters.js';
import { TextFormatter, defaultTextFormatter, type Formatter } from './formatter.js';
import { JsonFormatter } from './json-formatter.js';
import { openSink, type LogSink } from './sinks.js';
import { compileSubstitutionFormat } from './substitution-format.js';

/** Something that records finished streams. */
export interface AccessLogger {
  log(info: StreamInfo): void;
}

const FILE_TYPE = 'envoy.extensions.access_loggers.file.v3.FileAccessLog';
const STDOUT_TYPE = 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
const STDERR_TYPE = 'envoy.extensions.access_loggers.stream.v3.StderrAccessLog';
const TYPED_STRUCT_TYPES = new Set(['udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct']);

/** Extension names that work without typed_config (Envoy finds the factory by name). */
const TYPE_BY_NAME: Record<string, string> = {
  'envoy.access_loggers.file': FILE_TYPE,
  'envoy.file_access_log': FILE_TYPE,
  'envoy.access_loggers.stdout': STDOUT_TYPE,
  'envoy.access_loggers.stderr': STDERR_TYPE,
};

/** Formats, filters and writes one logger's lines. */
export class FormattingAccessLogger implements AccessLogger {
  constructor(readonly formatter: Formatter, readonly sink: LogSink, readonly filter: LogFilter | null = null) {}

  log(info: StreamInfo): void {
    try {
      if (this.filter !== null && !this.filter.evaluate(info)) return;
      this.sink.write(this.formatter.format(info));
    } catch {
      // A log line is never worth failing a stream for; the line is dropped.
    }
  }
}

/** Several loggers behind one. */
export class AccessLoggerList implements AccessLogger {
  constructor(readonly loggers: readonly AccessLogger[]) {}

  log(info: StreamInfo): void {
    for (let i = 0; i < this.loggers.length; i++) this.loggers[i].log(info);
  }
}

/**
 * Owns the log destinations: one sink per path, shared by every logger that writes there (as
 * Envoy's AccessLogManager), so config reloads reuse open files. Flushes and closes them all.
 */
export class AccessLogManager {
  private readonly sinks = new Map<string, LogSink>();

  /** The sink for `path`, opened on first use; throws AccessLogConfigError when it cannot be opened. */
  sink(path: string): LogSink {
    let sink = this.sinks.get(path);
    if (sink === undefined) {
      sink = openSink(path);
      this.sinks.set(path, sink);
    }
    return sink;
  }

  /** Builds one logger; `fieldPath` prefixes error messages (e.g. `.access_log[0]`). */
  create(cfg: AccessLog, fieldPath = 'access_log'): AccessLogger {
    const filter = cfg.filter === undefined ? null : compileFilter(cfg.filter, `${fieldPath}.filter`);
    const typed = unpackTypedConfig(cfg, fieldPath);
    const at = `${fieldPath}.typed_config`;
    switch (typed.$typeName) {
      case FILE_TYPE: {
        const file = typed as FileAccessLog;
        if (file.path === '') throw new AccessLogConfigError('value length must be at least 1 characters', `${at}.path`);
        const formatter = fileFormatter(file, at);
        return new FormattingAccessLogger(formatter, this.openAt(file.path, `${at}.path`), filter);
      }
      case STDOUT_TYPE:
      case STDERR_TYPE: {
        const stream = typed as StdoutAccessLog | StderrAccessLog;
        const fmt = stream.accessLogFormat;
        const formatter = fmt.case === 'logFormat'
          ? compileSubstitutionFormat(fmt.value, `${at}.log_format`).formatter
          : defaultTextFormatter();
        const sinkPath = typed.$typeName === STDOUT_TYPE ? '/dev/stdout' : '/dev/stderr';
        return new FormattingAccessLogger(formatter, this.sink(sinkPath), filter);
      }
      default:
        throw new AccessLogConfigError(
          `Didn't find a registered implementation for '${cfg.name}' with type URL: '${typed.$typeName}'`, at);
    }
  }

  /** Builds a logger per entry of a repeated access_log field. */
  createAll(cfgs: readonly AccessLog[], fieldPath = 'access_log'): AccessLogger[] {
    return cfgs.map((cfg, i) => this.create(cfg, `${fieldPath}[${i}]`));
  }

  private openAt(path: string, fieldPath: string): LogSink {
    try {
      return this.sink(path);
    } catch (err) {
      throw AccessLogConfigError.at(err, fieldPath);
    }
  }

  /** Resolves once every queued line has been written. */
  async flush(): Promise<void> {
    await Promise.all([...this.sinks.values()].map((s) => s.flush()));
  }

  /** Writes every queued line synchronously (on process exit). */
  flushSync(): void {
    for (const s of this.sinks.values()) s.flushSync();
  }

  /** Reopens every file (after log rotation). */
  reopen(): void {
    for (const s of this.sinks.values()) s.reopen();
  }

  /** Flushes and closes every sink; the manager can open new ones afterwards. */
  async close(): Promise<void> {
    const sinks = [...this.sinks.values()];
    this.sinks.clear();
    await Promise.all(sinks.map((s) => s.close()));
  }
}

/** The process-wide manager used when none is given. */
export const defaultAccessLogManager = new AccessLogManager();

/** Builds an access logger from its proto; throws AccessLogConfigError naming the bad field. */
export function createAccessLogger(cfg: AccessLog, manager: AccessLogManager = defaultAccessLogManager,
  fieldPath = 'access_log'): AccessLogger {
  return manager.create(cfg, fieldPath);
}

/** The typed_config message (TypedStruct expanded), or the default config for a known name. */
function unpackTypedConfig(cfg: AccessLog, fieldPath: string): Message {
  const at = `${fieldPath}.typed_config`;
  if (cfg.configType.case !== 'typedConfig') {
    const typeName = TYPE_BY_NAME[cfg.name];
    const schema = typeName === undefined ? undefined : registry.getMessage(typeName);
    if (schema === undefined) {
      throw new AccessLogConfigError(`Didn't find a registered implementation for name: '${cfg.name}'`, fieldPath);
    }
    return fromJson(schema, {}, { registry });
  }
  const any = cfg.configType.value;
  let msg: Message | undefined;
  try {
    msg = anyUnpack(any, registry);
  } catch (err) {
    throw new AccessLogConfigError(`cannot decode ${any.typeUrl}: ${(err as Error).message}`, at);
  }
  if (msg === undefined) {
    throw new AccessLogConfigError(
      `Didn't find a registered implementation for '${cfg.name}' with type URL: '${any.typeUrl.replace(/^.*\//, '')}'`,
      at);
  }
  if (TYPED_STRUCT_TYPES.has(msg.$typeName)) {
    const ts = msg as unknown as { typeUrl: string; value?: JsonValue };
    const typeName = ts.typeUrl.replace(/^.*\//, '');
    const schema = registry.getMessage(typeName);
    if (schema === undefined) {
      throw new AccessLogConfigError(
        `Didn't find a registered implementation for '${cfg.name}' with type URL: '${typeName}'`, at);
    }
    try {
      return fromJson(schema, ts.value ?? {}, { registry });
    } catch (err) {
      throw new AccessLogConfigError((err as Error).message, `${at}.value`);
    }
  }
  return msg;
}

/** The FileAccessLog's formatter: log_format, or the deprecated format / json_format / typed_json_format. */
function fileFormatter(file: FileAccessLog, at: string): Formatter {
  const fmt = file.accessLogFormat;
  switch (fmt.case) {
    case 'logFormat':
      return compileSubstitutionFormat(fmt.value, `${at}.log_format`).formatter;
    case 'format':
      if (fmt.value === '') return defaultTextFormatter();
      try {
        return new TextFormatter(fmt.value);
      } catch (err) {
        throw AccessLogConfigError.at(err, `${at}.format`);
      }
    case 'jsonFormat':
      return new JsonFormatter(fmt.value, { typed: false, omitEmptyValues: false }, `${at}.json_format`);
    case 'typedJsonFormat':
      return new JsonFormatter(fmt.value, { typed: true, omitEmptyValues: false }, `${at}.typed_json_format`);
    default:
      return defaultTextFormatter();
  }
}
