// Tests for access-log filters, built from the same JSON a bootstrap file carries.
// Each filter is compiled from proto JSON and evaluated against hand-filled StreamInfos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { AccessLogFilterSchema } from '../../xds/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { registry } from '../../xds/registry.js';
import { compileFilter, type LogFilter } from './filters.js';
import { AccessLogConfigError } from './errors.js';
import { emptyInfo } from './test-fixtures.js';
import type { StreamInfo } from '../http/stream-info.js';

function filter(json: JsonValue): LogFilter {
  return compileFilter(fromJson(AccessLogFilterSchema, json, { registry }), 'access_log[0].filter');
}

function withCode(code: number, durationMs = 0): StreamInfo {
  const info = emptyInfo();
  info.responseCode = code;
  info.durationMs = durationMs;
  return info;
}

test('status_code_filter compares with EQ, GE and LE', () => {
  const ge = filter({ status_code_filter: { comparison: { op: 'GE', value: { default_value: 400, runtime_key: 'k' } } } });
  assert.equal(ge.evaluate(withCode(399)), false);
  assert.equal(ge.evaluate(withCode(400)), true);
  assert.equal(ge.evaluate(withCode(503)), true);
  const eq = filter({ status_code_filter: { comparison: { value: { default_value: 200 } } } });
  assert.equal(eq.evaluate(withCode(200)), true);
  assert.equal(eq.evaluate(withCode(201)), false);
  const le = filter({ status_code_filter: { comparison: { op: 'LE', value: { default_value: 299 } } } });
  assert.equal(le.evaluate(withCode(0)), true);
  assert.equal(le.evaluate(withCode(300)), false);
});

test('duration_filter compares whole milliseconds', () => {
  const slow = filter({ duration_filter: { comparison: { op: 'GE', value: { default_value: 100 } } } });
  assert.equal(slow.evaluate(withCode(200, 99.9)), false);
  assert.equal(slow.evaluate(withCode(200, 100.2)), true);
});

test('not_health_check_filter passes ordinary streams and drops marked health checks', () => {
  const f = filter({ not_health_check_filter: {} });
  const info = emptyInfo();
  assert.equal(f.evaluate(info), true);
  Object.assign(info, { healthCheck: true });
  assert.equal(f.evaluate(info), false);
});

test('response_flag_filter: listed flags, or any flag when the list is empty', () => {
  const listed = filter({ response_flag_filter: { flags: ['UF', 'UH'] } });
  const any = filter({ response_flag_filter: {} });
  const info = emptyInfo();
  assert.equal(listed.evaluate(info), false);
  assert.equal(any.evaluate(info), false);
  info.setFlag('NR');
  assert.equal(listed.evaluate(info), false);
  assert.equal(any.evaluate(info), true);
  info.setFlag('UH');
  assert.equal(listed.evaluate(info), true);
});

test('and_filter and or_filter combine filters', () => {
  const errorsOrSlow = filter({ or_filter: { filters: [
    { status_code_filter: { comparison: { op: 'GE', value: { default_value: 500 } } } },
    { duration_filter: { comparison: { op: 'GE', value: { default_value: 1000 } } } },
  ] } });
  assert.equal(errorsOrSlow.evaluate(withCode(200, 5)), false);
  assert.equal(errorsOrSlow.evaluate(withCode(503, 5)), true);
  assert.equal(errorsOrSlow.evaluate(withCode(200, 1500)), true);
  const slowErrors = filter({ and_filter: { filters: [
    { status_code_filter: { comparison: { op: 'GE', value: { default_value: 500 } } } },
    { duration_filter: { comparison: { op: 'GE', value: { default_value: 1000 } } } },
  ] } });
  assert.equal(slowErrors.evaluate(withCode(503, 5)), false);
  assert.equal(slowErrors.evaluate(withCode(503, 1500)), true);
});

test('runtime_filter is accepted and lets everything through', () => {
  assert.equal(filter({ runtime_filter: { runtime_key: 'access_log.sample' } }).evaluate(emptyInfo()), true);
});

function message(json: JsonValue): string {
  try {
    filter(json);
  } catch (err) {
    assert.ok(err instanceof AccessLogConfigError, String(err));
    return err.message;
  }
  assert.fail('accepted');
}

test('unsupported and invalid filters are config errors naming the field', () => {
  assert.equal(message({ header_filter: { header: { name: 'x' } } }),
    'access_log[0].filter: access log filter header_filter is not supported');
  assert.equal(message({ traceable_filter: {} }), 'access_log[0].filter: access log filter traceable_filter is not supported');
  assert.equal(message({ response_flag_filter: { flags: ['UF', 'XX'] } }).split(',')[0],
    'access_log[0].filter.response_flag_filter.flags[1]: value must be in list [LH UH UT LR UR UF UC UO NR DI FI RL ' +
    'UAEX RLSE DC URX SI IH DPE UMSDR RFCF NFCF DT UPE NC OM DF DO DR]');
  assert.equal(message({ and_filter: { filters: [{ not_health_check_filter: {} }] } }),
    'access_log[0].filter.and_filter.filters: value must contain at least 2 item(s), got 1');
  assert.equal(message({ or_filter: { filters: [{ not_health_check_filter: {} }, { grpc_status_filter: {} }] } }),
    'access_log[0].filter.or_filter.filters[1]: access log filter grpc_status_filter is not supported');
  assert.equal(message({ status_code_filter: {} }), 'access_log[0].filter.status_code_filter.comparison: value is required');
  assert.equal(message({}), 'access_log[0].filter: value is required');
});
