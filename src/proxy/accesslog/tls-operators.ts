// The TLS command operators of Envoy's access-log format: %DOWNSTREAM_PEER_URI_SAN%, %UPSTREAM_TLS_VERSION% ...
// read from the downstream or upstream connection's SslConnectionInfo; '-' without TLS or when the value is empty.
import type { StreamInfo } from '../http/stream-info.js';
import type { SslConnectionInfo, TlsFacts } from '../tls/ssl-connection-info.js';
import { FormatPart } from './format-part.js';
import { DEFAULT_TIME_PATTERN, TimeFormat } from './time-format.js';

type Side = 'DOWNSTREAM' | 'UPSTREAM';
type Extract = (ssl: SslConnectionInfo, facts: TlsFacts) => string;

const sslOf = (info: StreamInfo, side: Side): SslConnectionInfo | undefined =>
  (side === 'DOWNSTREAM' ? info.downstreamSsl : info.upstreamSsl);

/** One string fact of a connection's TLS (Envoy's StreamInfoSslConnectionInfoFormatterProvider). */
class TlsStringPart extends FormatPart {
  constructor(private readonly side: Side, private readonly extract: Extract) {
    super();
  }

  text(info: StreamInfo): string | undefined {
    const ssl = sslOf(info, this.side);
    const facts = ssl?.facts;
    if (ssl === undefined || facts === undefined) return undefined;
    const v = this.extract(ssl, facts);
    return v === '' ? undefined : v;
  }
}

/** %<SIDE>_PEER_CERT_V_START(FORMAT)% and V_END: the peer certificate's validity bound, as START_TIME formats. */
class TlsTimePart extends FormatPart {
  constructor(private readonly side: Side, private readonly end: boolean, private readonly time: TimeFormat) {
    super();
  }

  text(info: StreamInfo): string | undefined {
    const facts = sslOf(info, this.side)?.facts;
    const at = this.end ? facts?.expirationPeerCertificate : facts?.validFromPeerCertificate;
    return at === undefined ? undefined : this.time.format(at.getTime());
  }
}

const STRING_FACTS: ReadonlyArray<[string, Extract, readonly Side[]]> = [
  ['PEER_URI_SAN', (s) => s.uriSanPeerCertificate.join(','), ['DOWNSTREAM', 'UPSTREAM']],
  ['LOCAL_URI_SAN', (s) => s.uriSanLocalCertificate.join(','), ['DOWNSTREAM', 'UPSTREAM']],
  ['PEER_DNS_SAN', (s) => s.dnsSanPeerCertificate.join(','), ['DOWNSTREAM', 'UPSTREAM']],
  ['LOCAL_DNS_SAN', (_s, f) => f.dnsSanLocalCertificate.join(','), ['DOWNSTREAM', 'UPSTREAM']],
  ['PEER_SUBJECT', (s) => s.subjectPeerCertificate, ['DOWNSTREAM', 'UPSTREAM']],
  ['LOCAL_SUBJECT', (_s, f) => f.subjectLocalCertificate, ['DOWNSTREAM', 'UPSTREAM']],
  ['PEER_ISSUER', (_s, f) => f.issuerPeerCertificate, ['DOWNSTREAM', 'UPSTREAM']],
  ['TLS_CIPHER', (_s, f) => f.cipher, ['DOWNSTREAM', 'UPSTREAM']],
  ['TLS_VERSION', (_s, f) => f.version, ['DOWNSTREAM', 'UPSTREAM']],
  ['PEER_CERT', (_s, f) => f.urlEncodedPemEncodedPeerCertificate, ['DOWNSTREAM', 'UPSTREAM']],
  ['PEER_FINGERPRINT_256', (_s, f) => f.sha256PeerCertificateDigest, ['DOWNSTREAM']],
  ['PEER_FINGERPRINT_1', (_s, f) => f.sha1PeerCertificateDigest, ['DOWNSTREAM']],
  ['PEER_SERIAL', (_s, f) => f.serialNumberPeerCertificate, ['DOWNSTREAM']],
];

/** The operators that take no parameter, by name. */
export const TLS_SIMPLE_OPERATORS: ReadonlyMap<string, () => FormatPart> = new Map(
  STRING_FACTS.flatMap(([name, extract, sides]) => sides.map((side): [string, () => FormatPart] =>
    [`${side}_${name}`, () => new TlsStringPart(side, extract)])),
);

/** The validity operators, whose parameter (optional) is a START_TIME format. */
export const TLS_TIME_OPERATORS: ReadonlyMap<string, (format: string) => FormatPart> = new Map(
  (['DOWNSTREAM', 'UPSTREAM'] as const).flatMap((side) => [false, true].map((end): [string, (f: string) => FormatPart] =>
    [`${side}_PEER_CERT_V_${end ? 'END' : 'START'}`, (f) => new TlsTimePart(side, end, new TimeFormat(f === '' ? DEFAULT_TIME_PATTERN : f))])),
);
