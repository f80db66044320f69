// IST0106 SchemaValidationError: every validation error of a resource of a kind Strait reads (the
// same checks as `strait validate` and apply's admission), at the line of the field it names.
import { isKnownKind, validateObject } from '../config/validation/validate-object.js';
import type { Analyzer } from './context.js';
import { schemaValidationError } from './message.js';

export const schemaValidationAnalyzer: Analyzer = {
  name: 'schema.ValidationAnalyzer',
  description: 'Runs schema validation as an analyzer and reports any violations',
  analyze(ctx) {
    return ctx.objects.filter(isKnownKind).flatMap((o) =>
      validateObject(o).errors.map((e) => schemaValidationError(o, o.source?.lineOf(e.path), e.path, e.message)));
  },
};
