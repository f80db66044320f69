// The config dump's SecretsConfigDump (as Envoy's): static secrets, and SDS secrets active (with their
// version) or warming (not arrived yet); private keys are shown as Envoy shows them, `[redacted]`.
import { clone, toJson } from '@bufbuild/protobuf';
import { DataSourceSchema } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { SecretSchema, type Secret } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { registry } from '../../xds/registry.js';
import { secretManager } from './secret-manager.js';

/** What Envoy puts in place of a private key in dumps. */
const REDACTED = { specifier: { case: 'inlineBytes' as const, value: new TextEncoder().encode('[redacted]') } };

/** A secret as JSON with its private key (and password) redacted. */
function redacted(s: Secret): unknown {
  const c = clone(SecretSchema, s);
  if (c.type.case === 'tlsCertificate') {
    const t = c.type.value;
    if (t.privateKey !== undefined) t.privateKey = Object.assign(clone(DataSourceSchema, t.privateKey), REDACTED);
    if (t.password !== undefined) t.password = Object.assign(clone(DataSourceSchema, t.password), REDACTED);
  }
  return { '@type': `type.googleapis.com/${SecretSchema.typeName}`, ...toJson(SecretSchema, c, { registry, useProtoFieldName: true }) as object };
}

/** envoy.admin.v3.SecretsConfigDump as proto3 JSON. */
export function secretsConfigDump(): Record<string, unknown> {
  const handles = secretManager.all();
  const at = (d: Date | undefined) => (d ?? new Date()).toISOString();
  const statics = handles.filter((h) => h.source === 'static' && h.secret !== undefined)
    .map((h) => ({ name: h.name, last_updated: at(h.lastUpdated), secret: redacted(h.secret!) }));
  const dynamic = handles.filter((h) => h.source !== 'static');
  const active = dynamic.filter((h) => h.secret !== undefined)
    .map((h) => ({ name: h.name, version_info: h.version, last_updated: at(h.lastUpdated), secret: redacted(h.secret!) }));
  const warming = dynamic.filter((h) => h.secret === undefined).map((h) => ({ name: h.name }));
  return {
    '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
    ...(statics.length > 0 ? { static_secrets: statics } : {}),
    ...(active.length > 0 ? { dynamic_active_secrets: active } : {}),
    ...(warming.length > 0 ? { dynamic_warming_secrets: warming } : {}),
  };
}
