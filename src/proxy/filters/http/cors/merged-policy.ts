// The CORS settings of one matched route: its levels' policies merged as Envoy's CORS filter reads
// them (each field from the most specific level that sets it; enabling from the most specific level).
import type { StringMatch } from '../../../router/string-match.js';
import type { CompiledCorsPolicy } from './cors-policy.js';

/** The effective CORS policy of a route; immutable, built once per route (or weighted cluster). */
export class MergedCorsPolicy {
  readonly allowOrigins: readonly StringMatch[];
  readonly allowMethods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAge: string;
  readonly allowCredentials: boolean;
  readonly allowPrivateNetworkAccess: boolean;
  readonly forwardNotMatchingPreflights: boolean;
  /** The most specific level: it alone decides filter_enabled and shadow_enabled. */
  private readonly first: CompiledCorsPolicy;

  /** `levels` is most specific first and not empty. */
  constructor(levels: readonly CompiledCorsPolicy[]) {
    this.first = levels[0];
    this.allowOrigins = levels.find((l) => l.allowOrigins.length !== 0)?.allowOrigins ?? [];
    this.allowMethods = levels.find((l) => l.allowMethods !== '')?.allowMethods ?? '';
    this.allowHeaders = levels.find((l) => l.allowHeaders !== '')?.allowHeaders ?? '';
    this.exposeHeaders = levels.find((l) => l.exposeHeaders !== '')?.exposeHeaders ?? '';
    this.maxAge = levels.find((l) => l.maxAge !== '')?.maxAge ?? '';
    this.allowCredentials = levels.find((l) => l.allowCredentials !== undefined)?.allowCredentials ?? false;
    this.allowPrivateNetworkAccess = levels.find((l) => l.allowPrivateNetworkAccess !== undefined)
      ?.allowPrivateNetworkAccess ?? false;
    this.forwardNotMatchingPreflights = levels.find((l) => l.forwardNotMatchingPreflights !== undefined)
      ?.forwardNotMatchingPreflights ?? true;
  }

  enabled(random: () => number): boolean {
    return this.first.enabled(random);
  }

  shadowEnabled(random: () => number): boolean {
    return this.first.shadowEnabled(random);
  }

  /** Envoy's isOriginAllowed: a matcher that matches "*" allows every origin. */
  isOriginAllowed(origin: string): boolean {
    const list = this.allowOrigins;
    for (let i = 0; i < list.length; i++) {
      if (list[i].match('*') || list[i].match(origin)) return true;
    }
    return false;
  }
}
