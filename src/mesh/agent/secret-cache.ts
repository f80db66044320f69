// The agent's workload secrets (istio-agent's SecretManager): the certificate for the pod's SPIFFE id,
// fetched from the CA, rotated at half its life (SECRET_GRACE_PERIOD_RATIO 0.5, +-1% jitter), and the
// SDS resources `default` (key and chain) and `ROOTCA` (trust bundle) built from it.
import { create } from '@bufbuild/protobuf';
import { SecretSchema, type Secret } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { CertificateValidationContextSchema, TlsCertificateSchema } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { DataSourceSchema } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { WorkloadSecret } from './ca-client.js';

/** Istio's SDS resource names: the workload's certificate and its trust bundle. */
export const WORKLOAD_SECRET = 'default';
export const ROOT_SECRET = 'ROOTCA';

/** SECRET_TTL: what the agent asks for (24 h). */
export const DEFAULT_SECRET_TTL_S = 24 * 3600;
const GRACE_RATIO = 0.5;
const GRACE_JITTER = 0.01;
/** Retry after a failed fetch: doubling from 1 s up to 30 s. */
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

export interface SecretCacheOptions {
  /** Gets a fresh secret for the workload (key made locally, CSR signed by the CA). */
  fetch: (ttlS: number) => Promise<WorkloadSecret>;
  ttlS?: number;
  /** Called with every new secret (the first one and each rotation). */
  onUpdate: (secret: WorkloadSecret) => void;
  log?: (level: 'info' | 'warn', msg: string) => void;
  random?: () => number;
}

/** When a certificate valid from `notBefore` to `notAfter` is renewed: half its life, +-1% jitter. */
export function rotationTime(notBefore: Date, notAfter: Date, random = Math.random): number {
  const life = notAfter.getTime() - notBefore.getTime();
  const ratio = GRACE_RATIO + (random() * 2 - 1) * GRACE_JITTER;
  return notBefore.getTime() + life * (1 - ratio);
}

/** Keeps one workload secret fresh. */
export class SecretCache {
  private current: WorkloadSecret | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private closed = false;

  constructor(private readonly opts: SecretCacheOptions) {}

  /** The secret in use, if one was fetched. */
  get secret(): WorkloadSecret | undefined {
    return this.current;
  }

  /** Fetches the first secret (resolves once it is there; retries until then) and schedules rotations. */
  async start(): Promise<WorkloadSecret> {
    for (;;) {
      if (this.closed) throw new Error('secret cache closed');
      if (await this.refresh()) return this.current!;
      await new Promise((r) => setTimeout(r, this.retryMs));
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** One fetch; true when a new secret is in place. Schedules the next rotation or a retry. */
  private async refresh(): Promise<boolean> {
    const log = this.opts.log ?? (() => {});
    try {
      const s = await this.opts.fetch(this.opts.ttlS ?? DEFAULT_SECRET_TTL_S);
      if (this.closed) return false;
      this.current = s;
      this.retryMs = RETRY_MIN_MS;
      this.opts.onUpdate(s);
      const at = rotationTime(s.notBefore, s.notAfter, this.opts.random);
      log('info', `workload certificate valid until ${s.notAfter.toISOString()}, renewal at ${new Date(at).toISOString()}`);
      this.schedule(Math.max(0, at - Date.now()));
      return true;
    } catch (e) {
      log('warn', `certificate request failed, retrying in ${this.retryMs} ms: ${(e as Error).message}`);
      if (this.current !== undefined) this.schedule(this.retryMs);
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
      return false;
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    // setTimeout's limit is about 24.8 days; a longer wait is re-armed in steps.
    const step = Math.min(ms, 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      if (step < ms) this.schedule(ms - step);
      else void this.refresh();
    }, step);
    this.timer.unref();
  }
}

/** The SDS resources of a workload secret: `default` (inline key and chain) and `ROOTCA` (inline trusted CA). */
export function sdsSecrets(s: WorkloadSecret): Secret[] {
  const inline = (pem: string) => create(DataSourceSchema, { specifier: { case: 'inlineBytes', value: Buffer.from(pem) } });
  return [
    create(SecretSchema, { name: WORKLOAD_SECRET, type: { case: 'tlsCertificate', value: create(TlsCertificateSchema, {
      certificateChain: inline(s.certChainPem), privateKey: inline(s.keyPem),
    }) } }),
    create(SecretSchema, { name: ROOT_SECRET, type: { case: 'validationContext', value: create(CertificateValidationContextSchema, {
      trustedCa: inline(s.rootPem),
    }) } }),
  ];
}
