// What pilot could not push, kept for /debug/push_status, /debug/syncz and proxy-status: config
// objects left out because they could not be translated, and per proxy the types it did not get in
// full at the latest push that concerned it. Each failure is logged and counted once as it happens.
import { shortTypeName, type XdsLog } from '../../xds/server/index.js';
import { configKey, type ConfigError } from '../model/config-errors.js';
import type { ConfigObject } from '../config/object.js';
import type { PilotMetrics } from '../monitoring/metrics.js';
import type { GenerationFailure } from '../xds/generator.js';

/** A failure of one push for one proxy: the version it did not get (in full), and why. */
export interface ProxyPushFailure extends GenerationFailure { version: string }

/** The document of /debug/push_status. */
export interface PushStatusDocument {
  /** Config objects left out of the config pushed to proxies (translation failed), by kind/namespace/name. */
  configErrors: ConfigError[];
  /** Per proxy (node id): the types it did not get in full at the latest push that concerned it. */
  proxyErrors: (ProxyPushFailure & { proxy: string })[];
  /** Set while the latest push context could not be built (proxies keep the config of the one before). */
  pushContextError?: { version: string; message: string };
}

const where = (e: ConfigError): string => (e.file !== undefined ? ` (${e.file}:${e.line ?? 1})` : '');

interface ProxyFailures { id: string; byType: Map<string, ProxyPushFailure[]> }

export class PushStatus {
  private readonly objects = new Map<string, ConfigError>();
  private readonly proxies = new Map<string, ProxyFailures>();
  private contextError?: { version: string; message: string };

  constructor(private readonly metrics: PilotMetrics, private readonly log: XdsLog) {}

  /** An object a push left out (istiod logs and skips it): logged, counted and kept until the object changes. */
  configError(e: ConfigError): void {
    this.objects.set(configKey({ kind: e.kind, metadata: { name: e.name, namespace: e.namespace } }), e);
    this.metrics.totalXdsInternalErrors.inc();
    this.log('warn', `pilot: skipping ${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}${where(e)}: ${e.message} ` +
      `(push ${e.version}${e.proxy ? `, proxy ${e.proxy}` : ''})`);
  }

  /** An object changed or went away: its error is forgotten (the next push records it again if it still fails). */
  configChanged(o: Pick<ConfigObject, 'kind' | 'metadata'>): void {
    this.objects.delete(configKey(o));
  }

  /**
   * The outcome of building `types` of a proxy's config at `version`: their earlier failures are
   * replaced by `failures`, each logged and counted.
   */
  proxyBuilt(key: string, id: string, types: Iterable<string>, failures: readonly GenerationFailure[], version: string): void {
    let p = this.proxies.get(key);
    if (p === undefined) this.proxies.set(key, (p = { id, byType: new Map() }));
    for (const t of types) p.byType.delete(t);
    for (const f of failures) {
      const list = p.byType.get(f.typeUrl) ?? [];
      list.push({ ...f, version });
      p.byType.set(f.typeUrl, list);
      this.metrics.totalXdsInternalErrors.inc();
      this.log('error', `pilot: ${id}: ${shortTypeName(f.typeUrl)}${f.resource !== undefined ? ` ${f.resource}` : ''} of push ${version} ` +
        `not sent (the proxy keeps what it had): ${f.message}`);
    }
    if (p.byType.size === 0) this.proxies.delete(key);
  }

  proxyGone(key: string): void {
    this.proxies.delete(key);
  }

  /** A push context could not be built: every proxy keeps the config of the one before. */
  contextFailed(version: string, message: string): void {
    this.contextError = { version, message };
    this.metrics.pushContextErrors.inc();
    this.log('error', `pilot: push ${version} failed, proxies keep their config: ${message}`);
  }

  contextBuilt(): void {
    this.contextError = undefined;
  }

  /** Why a proxy's type is not at the latest push, if pilot knows a reason; undefined when nothing failed. */
  failureOf(key: string, typeUrl: string): { version: string; message: string } | undefined {
    const f = this.proxies.get(key)?.byType.get(typeUrl)?.[0];
    return f ?? this.contextError;
  }

  toJSON(): PushStatusDocument {
    const doc: PushStatusDocument = {
      configErrors: [...this.objects.values()],
      proxyErrors: [...this.proxies.values()].flatMap((p) => [...p.byType.values()].flat().map((f) => ({ proxy: p.id, ...f }))),
    };
    if (this.contextError !== undefined) doc.pushContextError = { ...this.contextError };
    return doc;
  }
}
