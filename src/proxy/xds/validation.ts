// Schema checks for one resource from xDS, reusing the bootstrap's: protoc-gen-validate rules, RE2
// patterns and fields Strait does not implement; errors come back as `field: message` strings for a NACK.
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { registry } from '../../xds/registry.js';
import { formatPath, type PathError } from '../bootstrap/config-error.js';
import { validateMessage } from '../bootstrap/pgv-validate.js';
import { checkRegexes } from '../bootstrap/regex-checks.js';
import { checkUnsupportedFields } from '../bootstrap/unsupported-fields.js';

/** `.field.path: message` for each error (just the message at the root). */
export function formatErrors(errors: readonly PathError[]): string {
  return errors.map((e) => (e.path.length === 0 ? e.message : `${formatPath(e.path)}: ${e.message}`)).join('; ');
}

/** PGV, regex and unsupported-field errors of `msg`. */
export function schemaErrors<D extends DescMessage>(schema: D, msg: MessageShape<D>): PathError[] {
  const errors: PathError[] = [];
  validateMessage(schema, msg, [], registry, errors);
  errors.push(...checkRegexes(schema, msg, registry));
  errors.push(...checkUnsupportedFields(schema, msg, registry));
  return errors;
}
