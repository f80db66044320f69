// IST0106 SchemaValidationError and IST0133 SchemaWarning: istioctl analyze's schema validation
// analyzer, the same checks as the validating webhook (config/validation) on every known kind;
// the webhook's unreachable-rule warnings under their own codes (IST0130, IST0131), as istioctl.
import { isKnownKind, validateObject } from '../config/validation/validate-object.js';
import type { Analyzer } from './context.js';
import { analysisAware, schemaValidation } from './message.js';

export const schemaValidationAnalyzer: Analyzer = {
  name: 'schema.ValidationAnalyzer',
  description: 'Runs schema validation as an analyzer and reports any violations',
  analyze: (ctx) => ctx.objects.filter(isKnownKind).flatMap((o) => {
    const { errors, warnings } = validateObject(o);
    const line = (path: string): number | undefined => o.source?.lineOf(path);
    return [
      ...errors.map((e) => schemaValidation(o, line(e.path), `${e.path}: ${e.message}`, false)),
      ...warnings.map((w) => (w.analysisType !== undefined ? analysisAware(o, line(w.path), w.analysisType, w.message)
        : schemaValidation(o, line(w.path), `${w.path}: ${w.message}`, true))),
    ];
  }),
};
