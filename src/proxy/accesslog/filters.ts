// Access-log filters (envoy.config.accesslog.v3.AccessLogFilter): decide per stream whether to log.
// Compiled once from config into small evaluator objects; unsupported filter types are config errors.
import type {
  AccessLogFilter as AccessLogFilterProto,
  ComparisonFilter,
} from '../../xds/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { ComparisonFilter_Op } from '../../xds/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { FLAG_BIT, RESPONSE_FLAGS, type ResponseFlag, type StreamInfo } from '../http/stream-info.js';
import { AccessLogConfigError } from './errors.js';

/** A compiled access-log filter. */
export interface LogFilter {
  evaluate(info: StreamInfo): boolean;
}

/** An integer comparison (runtime keys are not supported: the default value is used). */
class Comparison {
  constructor(readonly op: ComparisonFilter_Op, readonly value: number) {}

  matches(n: number): boolean {
    switch (this.op) {
      case ComparisonFilter_Op.GE: return n >= this.value;
      case ComparisonFilter_Op.LE: return n <= this.value;
      default: return n === this.value;
    }
  }
}

/** status_code_filter: compares the response code (0 when no response was sent). */
export class StatusCodeFilter implements LogFilter {
  constructor(private readonly cmp: Comparison) {}

  evaluate(info: StreamInfo): boolean {
    return this.cmp.matches(info.responseCode);
  }
}

/** duration_filter: compares the stream's duration in whole milliseconds. */
export class DurationFilter implements LogFilter {
  constructor(private readonly cmp: Comparison) {}

  evaluate(info: StreamInfo): boolean {
    return this.cmp.matches(Math.trunc(info.durationMs ?? info.elapsedMs()));
  }
}

/** Fields StreamInfo does not have yet: the health-check filter marks its streams with it. */
interface HealthCheckMark {
  healthCheck?: boolean;
}

/** not_health_check_filter: drops requests answered as health checks. */
export class NotHealthCheckFilter implements LogFilter {
  evaluate(info: StreamInfo): boolean {
    return (info as unknown as HealthCheckMark).healthCheck !== true;
  }
}

/** response_flag_filter: any of the listed flags (or any flag at all when the list is empty). */
export class ResponseFlagFilter implements LogFilter {
  constructor(private readonly mask: number) {}

  evaluate(info: StreamInfo): boolean {
    return (info.responseFlags & this.mask) !== 0;
  }
}

/** and_filter: every sub-filter, evaluated in order until one fails. */
export class AndFilter implements LogFilter {
  constructor(private readonly filters: readonly LogFilter[]) {}

  evaluate(info: StreamInfo): boolean {
    for (let i = 0; i < this.filters.length; i++) if (!this.filters[i].evaluate(info)) return false;
    return true;
  }
}

/** or_filter: any sub-filter, evaluated in order until one passes. */
export class OrFilter implements LogFilter {
  constructor(private readonly filters: readonly LogFilter[]) {}

  evaluate(info: StreamInfo): boolean {
    for (let i = 0; i < this.filters.length; i++) if (this.filters[i].evaluate(info)) return true;
    return false;
  }
}

/** runtime_filter: there is no runtime here, so it lets everything through. */
export class PassFilter implements LogFilter {
  evaluate(): boolean {
    return true;
  }
}

function comparison(cmp: ComparisonFilter | undefined, path: string): Comparison {
  if (cmp === undefined) throw new AccessLogConfigError('value is required', `${path}.comparison`);
  if (cmp.op !== ComparisonFilter_Op.EQ && cmp.op !== ComparisonFilter_Op.GE && cmp.op !== ComparisonFilter_Op.LE) {
    throw new AccessLogConfigError(`value must be one of the defined enum values, got ${cmp.op}`,
      `${path}.comparison.op`);
  }
  if (cmp.value === undefined) throw new AccessLogConfigError('value is required', `${path}.comparison.value`);
  return new Comparison(cmp.op, cmp.value.defaultValue);
}

const SNAKE_NAMES: Record<string, string> = {
  traceableFilter: 'traceable_filter', headerFilter: 'header_filter', grpcStatusFilter: 'grpc_status_filter',
  extensionFilter: 'extension_filter', metadataFilter: 'metadata_filter', logTypeFilter: 'log_type_filter',
};

/** Compiles a filter; `path` is its field path for error messages (e.g. `.access_log[0].filter`). */
export function compileFilter(filter: AccessLogFilterProto, path: string): LogFilter {
  const spec = filter.filterSpecifier;
  switch (spec.case) {
    case 'statusCodeFilter':
      return new StatusCodeFilter(comparison(spec.value.comparison, `${path}.status_code_filter`));
    case 'durationFilter':
      return new DurationFilter(comparison(spec.value.comparison, `${path}.duration_filter`));
    case 'notHealthCheckFilter':
      return new NotHealthCheckFilter();
    case 'runtimeFilter':
      return new PassFilter();
    case 'responseFlagFilter': {
      let mask = 0;
      spec.value.flags.forEach((flag, i) => {
        if (!(RESPONSE_FLAGS as readonly string[]).includes(flag)) {
          throw new AccessLogConfigError(`value must be in list [${RESPONSE_FLAGS.join(' ')}], got "${flag}"`,
            `${path}.response_flag_filter.flags[${i}]`);
        }
        mask |= FLAG_BIT[flag as ResponseFlag];
      });
      // An empty list means "any flag".
      return new ResponseFlagFilter(mask === 0 ? 2 ** RESPONSE_FLAGS.length - 1 : mask);
    }
    case 'andFilter':
    case 'orFilter': {
      const name = spec.case === 'andFilter' ? 'and_filter' : 'or_filter';
      const subs = spec.value.filters;
      if (subs.length < 2) {
        throw new AccessLogConfigError(`value must contain at least 2 item(s), got ${subs.length}`,
          `${path}.${name}.filters`);
      }
      const compiled = subs.map((f, i) => compileFilter(f, `${path}.${name}.filters[${i}]`));
      return spec.case === 'andFilter' ? new AndFilter(compiled) : new OrFilter(compiled);
    }
    case undefined:
      throw new AccessLogConfigError('value is required', path);
    default:
      throw new AccessLogConfigError(`access log filter ${SNAKE_NAMES[spec.case] ?? spec.case} is not supported`,
        path);
  }
}
