// Reads an envoy.config.core.v3.DataSource (filename, inline_string, inline_bytes,
// environment_variable) into bytes, once at config time, with Envoy's error wording.
import { readFileSync } from 'node:fs';
import type { DataSource } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { PathSeg } from '../bootstrap/config-error.js';
import { tlsFail } from './errors.js';

/** The bytes of a DataSource; `path` is the DataSource's field path for errors. */
export function readDataSourceBytes(ds: DataSource | undefined, path: readonly PathSeg[]): Buffer {
  const spec = ds?.specifier;
  switch (spec?.case) {
    case 'filename': {
      let data: Buffer;
      try {
        data = readFileSync(spec.value);
      } catch {
        return tlsFail([...path, 'filename'], `Invalid path: ${spec.value}`);
      }
      if (data.length === 0) tlsFail([...path, 'filename'], `file ${spec.value} is empty`);
      return data;
    }
    case 'inlineString':
      return Buffer.from(spec.value, 'utf8');
    case 'inlineBytes':
      return Buffer.from(spec.value);
    case 'environmentVariable': {
      const v = process.env[spec.value];
      if (v === undefined || v === '') {
        tlsFail([...path, 'environment_variable'], `Environment variable doesn't exist: ${spec.value}`);
      }
      return Buffer.from(v, 'utf8');
    }
    default:
      return tlsFail(path, 'one of filename, inline_bytes, inline_string, environment_variable is required');
  }
}

/** How Envoy names a DataSource in messages: the file path, or `<inline>`. */
export function dataSourceName(ds: DataSource | undefined): string {
  return ds?.specifier.case === 'filename' ? ds.specifier.value : '<inline>';
}
