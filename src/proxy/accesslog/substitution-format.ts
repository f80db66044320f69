// Builds a Formatter from envoy.config.core.v3.SubstitutionFormatString (text_format,
// text_format_source, json_format): used by access loggers, and reusable for local reply bodies.
import { readFileSync } from 'node:fs';
import type { SubstitutionFormatString } from '../../xds/gen/envoy/config/core/v3/substitution_format_string_pb.js';
import type { DataSource } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { AccessLogConfigError } from './errors.js';
import { TextFormatter, type Formatter } from './formatter.js';
import { JsonFormatter } from './json-formatter.js';

/** A compiled SubstitutionFormatString. */
export interface CompiledSubstitutionFormat {
  formatter: Formatter;
  /** content_type, else Envoy's default for the format (used by local replies, not by access logs). */
  contentType: string;
}

/** Reads a DataSource's text at config time. */
export function readDataSource(source: DataSource, path: string): string {
  const spec = source.specifier;
  switch (spec.case) {
    case 'inlineString':
      return spec.value;
    case 'inlineBytes':
      return Buffer.from(spec.value).toString('utf8');
    case 'filename':
      try {
        return readFileSync(spec.value, 'utf8');
      } catch (err) {
        throw new AccessLogConfigError(`unable to read file: ${spec.value}: ${(err as Error).message}`,
          `${path}.filename`);
      }
    case 'environmentVariable': {
      const v = process.env[spec.value];
      if (v === undefined) {
        throw new AccessLogConfigError(`Environment variable doesn't exist: ${spec.value}`,
          `${path}.environment_variable`);
      }
      return v;
    }
    default:
      throw new AccessLogConfigError('one of filename, inline_bytes, inline_string, environment_variable is required',
        path);
  }
}

/** Compiles `cfg`; errors name fields under `path` (e.g. `...typed_config.log_format`). */
export function compileSubstitutionFormat(cfg: SubstitutionFormatString, path: string): CompiledSubstitutionFormat {
  if (cfg.formatters.length > 0) {
    const names = cfg.formatters.map((f) => f.name).join(', ');
    throw new AccessLogConfigError(`formatter extensions are not supported: ${names}`, `${path}.formatters`);
  }
  const omit = cfg.omitEmptyValues;
  const format = cfg.format;
  switch (format.case) {
    case 'textFormat':
      return { formatter: text(format.value, omit, `${path}.text_format`), contentType: cfg.contentType || 'text/plain' };
    case 'textFormatSource': {
      const source = readDataSource(format.value, `${path}.text_format_source`);
      return {
        formatter: text(source, omit, `${path}.text_format_source`),
        contentType: cfg.contentType || 'text/plain',
      };
    }
    case 'jsonFormat':
      return {
        formatter: new JsonFormatter(format.value, { typed: true, omitEmptyValues: omit }, `${path}.json_format`),
        contentType: cfg.contentType || 'application/json',
      };
    default:
      throw new AccessLogConfigError('one of text_format, text_format_source, json_format is required', path);
  }
}

function text(pattern: string, omitEmptyValues: boolean, path: string): TextFormatter {
  try {
    return new TextFormatter(pattern, omitEmptyValues);
  } catch (err) {
    throw AccessLogConfigError.at(err, path);
  }
}
