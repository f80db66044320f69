// What a TLS context builds from its certificates and trust (node's secure context, the peer checks),
// rebuilt when an SDS secret it names is updated; null until every secret has arrived.
import type { CommonTlsContext } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { PathSeg } from '../bootstrap/config-error.js';
import { log } from '../log.js';
import { resolveCommon, sdsRefs, usesSecrets } from './sds-common.js';
import { TlsConfigError, tlsFail } from './errors.js';

/**
 * Builds `compile(common)` now when the context names no dynamic secret (errors are config errors),
 * else each time its secrets change: a bad secret is logged and the last good material kept.
 */
/** Every TLS context in use, for /certs; a context that is collected leaves the set. */
const live = new Set<WeakRef<SecretBacked<unknown>>>();
const collected = new FinalizationRegistry<WeakRef<SecretBacked<unknown>>>((ref) => live.delete(ref));

/** The certificates and trust of each TLS context in use, SDS content in place. */
export function liveTlsContexts(): CommonTlsContext[] {
  const out: CommonTlsContext[] = [];
  for (const ref of live) {
    const c = ref.deref();
    if (c === undefined) live.delete(ref);
    else if (c.common !== undefined) out.push(c.common);
  }
  return out;
}

export class SecretBacked<M> {
  private material: M | null = null;
  /** The context the current material was built from (SDS secrets in place). */
  common: CommonTlsContext | undefined;

  constructor(common: CommonTlsContext | undefined, path: readonly PathSeg[], private readonly compile: (c: CommonTlsContext | undefined) => M) {
    const ref = new WeakRef<SecretBacked<unknown>>(this);
    live.add(ref);
    collected.register(this, ref);
    const refs = sdsRefs(common, path);
    if (!usesSecrets(refs) || common === undefined) {
      this.material = compile(common);
      this.common = common;
      return;
    }
    const handles = [...refs.certs, ...(refs.validation !== null ? [refs.validation] : [])];
    const rebuild = (): void => {
      const resolved = resolveCommon(common, refs);
      if (resolved === undefined) return;
      if (typeof resolved === 'string') {
        if (handles.every((h) => h.source === 'static')) tlsFail(path, resolved);
        log('secret', 'warning', `TLS context not updated: ${resolved}`);
        return;
      }
      try {
        this.material = compile(resolved);
        this.common = resolved;
      } catch (e) {
        if (!(e instanceof TlsConfigError) || handles.every((h) => h.source === 'static')) throw e;
        log('secret', 'warning', `TLS context not updated from secrets ${handles.map((h) => h.name).join(', ')}: ${e.message}`);
      }
    };
    // Contexts come and go with listener and cluster updates: a dropped one unsubscribes itself.
    const self = new WeakRef(this);
    for (const h of handles) {
      const unsubscribe = h.subscribe(() => {
        if (self.deref() === undefined) unsubscribe();
        else rebuild();
      });
    }
    rebuild();
  }

  /** The current material, or null while a secret is missing (Envoy: secrets not ready). */
  get current(): M | null {
    return this.material;
  }
}
