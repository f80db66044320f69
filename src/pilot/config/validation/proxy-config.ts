// Validation of networking.istio.io ProxyConfig after Istio's webhook (ValidateProxyConfig): its
// workload selector and concurrency (its no-effect warning comes from the kinds table).
import { Findings } from './field-error.js';
import type { Obj } from './common.js';
import { checkWorkloadSelector } from './security.js';

/** ProxyConfig, as Istio's ValidateProxyConfig. */
export function validateProxyConfig(spec: Obj, f: Findings): void {
  checkWorkloadSelector(spec['selector'], 'spec.selector', f);
  const c = spec['concurrency'];
  if (typeof c === 'number' && c < 0) f.error('spec.concurrency', 'concurrency must be greater than or equal to 0');
}
