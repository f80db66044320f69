// Access logging, as Envoy's: format strings and dictionaries, filters, file/stdout/stderr loggers.
// The connection manager (and later the TCP proxy) call AccessLogger.log(info) when a stream ends.
export { AccessLogConfigError } from './errors.js';
export { DEFAULT_FORMAT, TextFormatter, parseFormat, defaultTextFormatter, type Formatter } from './formatter.js';
export { JsonFormatter, type JsonFormatOptions } from './json-formatter.js';
export { FormatPart, LiteralPart, type PartValue } from './format-part.js';
export { formatResponseFlagsLong, addressWithoutPort, supportedCommands } from './operators.js';
export { TimeFormat, DEFAULT_TIME_PATTERN } from './time-format.js';
export { compileSubstitutionFormat, readDataSource, type CompiledSubstitutionFormat } from './substitution-format.js';
export { compileFilter, type LogFilter } from './filters.js';
export { FileSink, StdioSink, openSink, type LogSink } from './sinks.js';
export { AccessLogManager, AccessLoggerList, FormattingAccessLogger, createAccessLogger, defaultAccessLogManager,
  type AccessLogger } from './loggers.js';
