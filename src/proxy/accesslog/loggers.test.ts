// Tests for access loggers built from AccessLog protos: files, stdout/stderr, filters, errors, rotation.
// Real temp files and a real child process for stdout/stderr; every test cleans up after itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { AccessLogSchema } from '../../xds/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { registry } from '../../xds/registry.js';
import { AccessLogManager, AccessLoggerList, type AccessLogger } from './loggers.js';
import { AccessLogConfigError } from './errors.js';
import { docExampleInfo, emptyInfo } from './test-fixtures.js';

const FILE = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const STDOUT = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
const DOC_LINE = '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" ' +
  '"nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "10.0.2.1:80"\n';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'strait-accesslog-'));
}

function logger(manager: AccessLogManager, json: JsonObject): AccessLogger {
  return manager.create(fromJson(AccessLogSchema, json, { registry }), 'access_log[0]');
}

test('file logger with no format writes the default line; flush makes it visible', async () => {
  const dir = tempDir();
  const manager = new AccessLogManager();
  try {
    const path = join(dir, 'access.log');
    const log = logger(manager, { name: 'envoy.access_loggers.file', typed_config: { '@type': FILE, path } });
    log.log(docExampleInfo());
    log.log(docExampleInfo());
    // Writes are batched off the request path: nothing has been written synchronously.
    assert.equal(readFileSync(path, 'utf8'), '');
    await manager.flush();
    assert.equal(readFileSync(path, 'utf8'), DOC_LINE + DOC_LINE);
  } finally {
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('file logger appends to an existing file and batches many lines', async () => {
  const dir = tempDir();
  const manager = new AccessLogManager();
  try {
    const path = join(dir, 'access.log');
    const log = logger(manager, {
      name: 'envoy.access_loggers.file',
      typed_config: { '@type': FILE, path, log_format: { text_format_source: { inline_string: '%RESPONSE_CODE%\n' } } },
    });
    log.log(docExampleInfo());
    await manager.flush();
    const info = emptyInfo();
    for (let i = 0; i < 2000; i++) {
      info.responseCode = i;
      log.log(info);
    }
    await manager.flush();
    const lines = readFileSync(path, 'utf8').split('\n');
    assert.equal(lines.length, 2002);
    assert.equal(lines[0], '204');
    assert.equal(lines[1], '0');
    assert.equal(lines[2000], '1999');
  } finally {
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('log_format variants: text_format, json_format (typed), omit_empty_values; deprecated format fields', async () => {
  const dir = tempDir();
  const manager = new AccessLogManager();
  try {
    const cases: Array<[JsonObject, string]> = [
      [{ log_format: { text_format: '%REQ(:METHOD)% %UPSTREAM_CLUSTER%\n' } }, 'POST -\n'],
      [{ log_format: { text_format: '%REQ(:METHOD)% [%UPSTREAM_CLUSTER%]\n', omit_empty_values: true } }, 'POST []\n'],
      [{ log_format: { json_format: { code: '%RESPONSE_CODE%', cluster: '%UPSTREAM_CLUSTER%' } } },
        '{"cluster":null,"code":204}\n'],
      [{ log_format: { json_format: { code: '%RESPONSE_CODE%', cluster: '%UPSTREAM_CLUSTER%' }, omit_empty_values: true,
        content_type: 'application/json' } }, '{"code":204}\n'],
      [{ format: '%PROTOCOL% %BYTES_RECEIVED%\n' }, 'HTTP/2 154\n'],
      [{ format: '' }, DOC_LINE],
      [{ json_format: { code: '%RESPONSE_CODE%', cluster: '%UPSTREAM_CLUSTER%' } }, '{"cluster":"-","code":"204"}\n'],
      [{ typed_json_format: { code: '%RESPONSE_CODE%' } }, '{"code":204}\n'],
    ];
    for (const [i, [fields, expected]] of cases.entries()) {
      const path = join(dir, `case-${i}.log`);
      logger(manager, { name: 'file', typed_config: { '@type': FILE, path, ...fields } }).log(docExampleInfo());
      await manager.flush();
      assert.equal(readFileSync(path, 'utf8'), expected, `case ${i}: ${JSON.stringify(fields)}`);
    }
  } finally {
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('text_format_source from a file', async () => {
  const dir = tempDir();
  const manager = new AccessLogManager();
  try {
    const formatPath = join(dir, 'format.txt');
    const logPath = join(dir, 'access.log');
    writeFileSync(formatPath, '%RESPONSE_CODE% from file\n');
    logger(manager, {
      name: 'file',
      typed_config: { '@type': FILE, path: logPath, log_format: { text_format_source: { filename: formatPath } } },
    }).log(docExampleInfo());
    await manager.flush();
    assert.equal(readFileSync(logPath, 'utf8'), '204 from file\n');
  } finally {
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the filter decides which streams are logged', async () => {
  const dir = tempDir();
  const manager = new AccessLogManager();
  try {
    const path = join(dir, 'errors.log');
    const log = logger(manager, {
      name: 'file',
      filter: { status_code_filter: { comparison: { op: 'GE', value: { default_value: 500 } } } },
      typed_config: { '@type': FILE, path, log_format: { text_format: '%RESPONSE_CODE%\n' } },
    });
    for (const code of [200, 503, 404, 500]) {
      const info = emptyInfo();
      info.responseCode = code;
      log.log(info);
    }
    await manager.flush();
    assert.equal(readFileSync(path, 'utf8'), '503\n500\n');
  } finally {
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loggers writing to one path share the file; AccessLoggerList logs to all', async () => {
  const dir = tempDir();
  const manager = new AccessLogManager();
  try {
    const path = join(dir, 'shared.log');
    const a = logger(manager, { name: 'a', typed_config: { '@type': FILE, path, format: 'a %RESPONSE_CODE%\n' } });
    const b = logger(manager, { name: 'b', typed_config: { '@type': FILE, path, format: 'b %RESPONSE_CODE%\n' } });
    assert.equal(manager.sink(path), manager.sink(path));
    const list = new AccessLoggerList([a, b, a]);
    list.log(docExampleInfo());
    await manager.flush();
    assert.equal(readFileSync(path, 'utf8'), 'a 204\nb 204\na 204\n');
  } finally {
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reopen() starts a new file after rotation; close() flushes', async () => {
  const dir = tempDir();
  const manager = new AccessLogManager();
  try {
    const path = join(dir, 'rotating.log');
    const log = logger(manager, { name: 'f', typed_config: { '@type': FILE, path, format: '%RESPONSE_CODE%\n' } });
    log.log(docExampleInfo());
    await manager.flush();
    renameSync(path, `${path}.1`);
    manager.reopen();
    log.log(emptyInfo());
    await manager.close();
    assert.equal(readFileSync(`${path}.1`, 'utf8'), '204\n');
    assert.equal(readFileSync(path, 'utf8'), '0\n');
    // After close, lines are dropped rather than written to a closed descriptor.
    log.log(docExampleInfo());
    await manager.flush();
    assert.equal(readFileSync(path, 'utf8'), '0\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function configError(json: JsonObject): string {
  const manager = new AccessLogManager();
  try {
    logger(manager, json);
  } catch (err) {
    assert.ok(err instanceof AccessLogConfigError, String(err));
    return err.message;
  } finally {
    void manager.close();
  }
  assert.fail('accepted');
}

test('config errors name the field and use Envoy wording', () => {
  assert.equal(configError({ name: 'f', typed_config: { '@type': FILE, path: '' } }),
    'access_log[0].typed_config.path: value length must be at least 1 characters');
  assert.match(configError({ name: 'f', typed_config: { '@type': FILE, path: '/nonexistent-dir/x/access.log' } }),
    /^access_log\[0\]\.typed_config\.path: unable to open file '\/nonexistent-dir\/x\/access.log': ENOENT/);
  assert.equal(configError({ name: 'f', typed_config: { '@type': FILE, path: '/dev/null', format: '%BOGUS%' } }),
    'access_log[0].typed_config.format: Not supported field in StreamInfo: BOGUS');
  assert.equal(configError({
    name: 'f', typed_config: { '@type': STDOUT, log_format: { text_format: '%REQ%' } },
  }), 'access_log[0].typed_config.log_format.text_format: REQ requires parameters');
  assert.equal(configError({
    name: 'f', typed_config: { '@type': STDOUT, log_format: { json_format: { a: { b: '%X(' } } } },
  }), "access_log[0].typed_config.log_format.json_format.a.b: Incorrect configuration: %X(. Couldn't find valid " +
    'command at position 0');
  assert.equal(configError({
    name: 'envoy.access_loggers.file',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
  }), "access_log[0].typed_config: Didn't find a registered implementation for 'envoy.access_loggers.file' " +
    "with type URL: 'envoy.extensions.filters.http.router.v3.Router'");
  assert.equal(configError({ name: 'envoy.access_loggers.nope' }),
    "access_log[0]: Didn't find a registered implementation for name: 'envoy.access_loggers.nope'");
  assert.equal(configError({
    name: 'f', filter: { header_filter: { header: { name: 'x' } } }, typed_config: { '@type': FILE, path: '/dev/null' },
  }), 'access_log[0].filter: access log filter header_filter is not supported');
  assert.equal(configError({
    name: 'f', typed_config: { '@type': FILE, path: '/dev/null', log_format: {
      text_format: 'x', formatters: [{ name: 'envoy.formatter.req_without_query', typed_config: {
        '@type': 'type.googleapis.com/google.protobuf.Empty' } }] } },
  }), 'access_log[0].typed_config.log_format.formatters: formatter extensions are not supported: ' +
    'envoy.formatter.req_without_query');
});

test('TypedStruct configs are expanded', async () => {
  const dir = tempDir();
  const manager = new AccessLogManager();
  try {
    const path = join(dir, 'ts.log');
    logger(manager, {
      name: 'f',
      typed_config: {
        '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
        type_url: FILE,
        value: { path, log_format: { text_format: '%RESPONSE_CODE%\n' } },
      },
    }).log(docExampleInfo());
    await manager.flush();
    assert.equal(readFileSync(path, 'utf8'), '204\n');
  } finally {
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs a child process that builds loggers from `configs` and logs the example stream once with each. */
function runChild(configs: JsonObject[]): Promise<{ stdout: string; stderr: string }> {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const here = (f: string): string => JSON.stringify(new URL(f, import.meta.url).href);
  const script = `
    import { fromJson } from '@bufbuild/protobuf';
    const { AccessLogSchema } = await import(${here('../../xds/gen/envoy/config/accesslog/v3/accesslog_pb.js')});
    const { registry } = await import(${here('../../xds/registry.js')});
    const { AccessLogManager } = await import(${here('./loggers.js')});
    const { docExampleInfo } = await import(${here('./test-fixtures.js')});
    const manager = new AccessLogManager();
    const loggers = ${JSON.stringify(configs)}.map((c) => manager.create(fromJson(AccessLogSchema, c, { registry })));
    for (const l of loggers) l.log(docExampleInfo());
    process.stdout.write('before-flush\\n');
    await manager.close();
  `;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 8000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr })));
  });
}

test('stdout and stderr loggers (and a file logger on /dev/stdout) write to the process streams', async () => {
  const { stdout, stderr } = await runChild([
    { name: 'envoy.access_loggers.stdout', typed_config: { '@type': STDOUT } },
    { name: 'envoy.access_loggers.stderr', typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog',
      log_format: { json_format: { code: '%RESPONSE_CODE%' } } } },
    { name: 'envoy.access_loggers.file', typed_config: { '@type': FILE, path: '/dev/stdout', format: 'file %RESPONSE_CODE%\n' } },
    { name: 'envoy.access_loggers.stdout' },
  ]);
  // Log lines are written after the synchronous work of the turn, so they follow 'before-flush'.
  assert.equal(stdout, `before-flush\n${DOC_LINE}file 204\n${DOC_LINE}`);
  assert.equal(stderr, '{"code":204}\n');
});
