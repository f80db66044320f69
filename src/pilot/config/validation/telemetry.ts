// Validation of telemetry.istio.io Telemetry after Istio's webhook (ValidateTelemetry), beyond its
// schema: policy targets, providers, sampling, custom tags, metric tag overrides.
import { Findings } from './field-error.js';
import { asArr, asObj, type Obj } from './common.js';
import { checkPolicyTarget } from './security.js';

/** validateTelemetryProviders: every provider named. */
function checkProviders(providers: unknown, at: string, f: Findings): void {
  if (asArr(providers).some((p) => typeof asObj(p)?.['name'] !== 'string' || asObj(p)?.['name'] === '')) {
    f.error(`${at}.providers`, 'providers.name may not be empty');
  }
}

function checkTracing(tracing: unknown[], f: Findings): void {
  if (tracing.length > 1) f.warn('spec.tracing', 'multiple tracing is not currently supported');
  tracing.forEach((t, i) => {
    const at = `spec.tracing[${i}]`;
    const to = asObj(t);
    if (!to) return;
    if (asArr(to['providers']).length > 1) f.warn(`${at}.providers`, 'multiple providers is not currently supported');
    checkProviders(to['providers'], at, f);
    const pct = to['randomSamplingPercentage'];
    if (typeof pct === 'number' && (pct < 0 || pct > 100)) f.error(`${at}.randomSamplingPercentage`, 'randomSamplingPercentage must be in range [0.0, 100.0]');
    if (Object.keys(asObj(to['customTags']) ?? {}).includes('')) f.error(`${at}.customTags`, 'tag name may not be empty');
  });
}

function checkMetrics(metrics: unknown[], f: Findings): void {
  metrics.forEach((m, i) => {
    const at = `spec.metrics[${i}]`;
    const mo = asObj(m);
    if (!mo) return;
    checkProviders(mo['providers'], at, f);
    asArr(mo['overrides']).forEach((o, j) => {
      for (const [tag, override] of Object.entries(asObj(asObj(o)?.['tagOverrides']) ?? {})) {
        const p = `${at}.overrides[${j}].tagOverrides.${tag}`;
        if (tag === '') f.warn(p, 'tagOverrides.name may not be empty');
        const ov = asObj(override) ?? {};
        const value = typeof ov['value'] === 'string' ? ov['value'] : '';
        if ((ov['operation'] ?? 'UPSERT') === 'UPSERT' && value === '') f.error(`${p}.value`, 'tagOverrides.value must be set when operation is UPSERT');
        if (ov['operation'] === 'REMOVE' && value !== '') f.error(`${p}.value`, 'tagOverrides.value must not be set when operation is REMOVE');
      }
    });
  });
}

/** Telemetry (the access log filter's CEL expression is not parsed here). */
export function validateTelemetry(spec: Obj, f: Findings): void {
  checkPolicyTarget(spec, f);
  checkTracing(asArr(spec['tracing']), f);
  checkMetrics(asArr(spec['metrics']), f);
  asArr(spec['accessLogging']).forEach((l, i) => checkProviders(asObj(l)?.['providers'], `spec.accessLogging[${i}]`, f));
}
