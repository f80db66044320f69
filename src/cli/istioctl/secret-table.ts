// `proxy-config secret` as istioctl prints it: RESOURCE NAME, TYPE (Cert Chain or CA), STATUS, VALID CERT,
// SERIAL NUMBER, NOT AFTER, NOT BEFORE, one row per certificate of the SecretsConfigDump.
import { X509Certificate } from 'node:crypto';
import { section } from './config-dump.js';
import { arr, obj, str, type Json } from './json-access.js';
import { tabulate } from './tab-writer.js';

const HEADER = ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE'];

/** Go's time.RFC3339 in UTC, without fractions: 2023-05-16T01:32:52Z. */
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The PEM bytes of a DataSource as JSON (inline_bytes is base64, inline_string plain). */
function pemOf(ds: Json): string {
  if (typeof ds['inline_bytes'] === 'string') return Buffer.from(ds['inline_bytes'], 'base64').toString('utf8');
  return str(ds['inline_string']);
}

function rows(name: string, status: string, type: string, pem: string, now: number): string[][] {
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return certs.slice(0, 1).map((c) => {
    const x = new X509Certificate(c);
    const from = new Date(x.validFrom);
    const to = new Date(x.validTo);
    return [name, type, status, String(now >= from.getTime() && now <= to.getTime()), x.serialNumber.toLowerCase(), rfc3339(to), rfc3339(from)];
  });
}

/** The table of a proxy's /config_dump. */
export function secretTable(dump: unknown, now = Date.now()): string {
  const s = section(dump, 'SecretsConfigDump');
  const entries: [Json, string][] = [
    ...arr(s['dynamic_active_secrets']).map((e): [Json, string] => [obj(e), 'ACTIVE']),
    ...arr(s['static_secrets']).map((e): [Json, string] => [obj(e), 'ACTIVE']),
  ];
  const body = entries.flatMap(([e, status]) => {
    const secret = obj(e['secret']);
    const name = str(e['name']) || str(secret['name']);
    const tls = obj(secret['tls_certificate']);
    if (Object.keys(tls).length > 0) return rows(name, status, 'Cert Chain', pemOf(obj(tls['certificate_chain'])), now);
    const vc = obj(secret['validation_context']);
    return rows(name, status, 'CA', pemOf(obj(vc['trusted_ca'])), now);
  });
  const warming = arr(s['dynamic_warming_secrets']).map((e) => [str(obj(e)['name']), '', 'WARMING', 'false', '', '', '']);
  return tabulate([HEADER, ...body, ...warming], 5);
}
