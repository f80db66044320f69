// Envoy's RBAC permission and principal matchers (and/or/not, any, header, url_path, uri_template,
// destination ip/port/port range, requested_server_name, metadata; authenticated, source/direct/remote
// ip), compiled once into predicates over an RbacInput.
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { isIP } from 'node:net';
import type { CidrRange as CidrProto } from '../../../xds/gen/envoy/config/core/v3/address_pb.js';
import type { TypedExtensionConfig } from '../../../xds/gen/envoy/config/core/v3/extension_pb.js';
import type { Permission, Principal } from '../../../xds/gen/envoy/config/rbac/v3/rbac_pb.js';
import type { HeaderMatcher } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { UriTemplateMatchConfig } from '../../../xds/gen/envoy/extensions/path/match/uri_template/v3/uri_template_match_pb.js';
import type { PathMatcher } from '../../../xds/gen/envoy/type/matcher/v3/path_pb.js';
import type { Int32Range } from '../../../xds/gen/envoy/type/v3/range_pb.js';
import { registry } from '../../../xds/registry.js';
import { CidrRange } from '../../listener/cidr.js';
import { fail } from '../../router/errors.js';
import { HeaderMatch } from '../../router/header-match.js';
import { StringMatch } from '../../router/string-match.js';
import type { RbacInput } from './input.js';
import { compileMetadataMatcher } from './metadata-match.js';
import { compileUriTemplate, pathWithoutQuery } from './uri-template.js';

/** A compiled permission or principal. */
export type RbacMatch = (input: RbacInput) => boolean;

const URI_TEMPLATE_TYPE = 'envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig';

const always: RbacMatch = () => true;

function all(ms: readonly RbacMatch[]): RbacMatch {
  return (input) => {
    for (const m of ms) if (!m(input)) return false;
    return true;
  };
}

function some(ms: readonly RbacMatch[]): RbacMatch {
  return (input) => {
    for (const m of ms) if (m(input)) return true;
    return false;
  };
}

function cidr(p: CidrProto, path: string, read: (i: RbacInput) => string): RbacMatch {
  const r = CidrRange.parse(p);
  if (typeof r === 'string') fail(path, r);
  return (input) => {
    const ip = read(input);
    const family = isIP(ip);
    return family !== 0 && r.contains(ip, family as 4 | 6);
  };
}

function urlPath(m: PathMatcher, path: string): RbacMatch {
  if (m.rule.case !== 'path') fail(`${path}.path`, 'a path StringMatcher is required');
  const s = StringMatch.compile(m.rule.value, `${path}.path`);
  return (input) => input.head !== undefined && input.head.path !== '' && s.match(pathWithoutQuery(input.head.path));
}

function header(m: HeaderMatcher, path: string): RbacMatch {
  const h = new HeaderMatch(m, path);
  return (input) => input.head !== undefined && h.matches(input.head);
}

function portRange(r: Int32Range, path: string): RbacMatch {
  const { start, end } = r;
  if (start < 0 || start > 65536) fail(path, `range start ${start} is out of bounds`);
  if (end < 0 || end > 65536) fail(path, `range end ${end} is out of bounds`);
  if (start >= end) fail(path, `range start ${start} cannot be greater or equal than range end ${end}`);
  return (input) => input.localPort >= start && input.localPort < end;
}

function uriTemplate(c: TypedExtensionConfig, path: string): RbacMatch {
  const msg = c.typedConfig === undefined ? undefined : anyUnpack(c.typedConfig, registry);
  if (msg?.$typeName !== URI_TEMPLATE_TYPE) {
    fail(`${path}.typed_config`, `Didn't find a registered implementation for '${c.name}' with type URL: '${c.typedConfig?.typeUrl.slice(c.typedConfig.typeUrl.lastIndexOf('/') + 1) ?? ''}'`);
  }
  const t = compileUriTemplate((msg as UriTemplateMatchConfig).pathTemplate, `${path}.typed_config.path_template`);
  return (input) => input.head !== undefined && input.head.path !== '' && t.match(pathWithoutQuery(input.head.path));
}

/** Compiles a Permission; `path` names it in errors. */
export function compilePermission(p: Permission, path: string): RbacMatch {
  const r = p.rule;
  switch (r.case) {
    case 'andRules': return all(r.value.rules.map((x, i) => compilePermission(x, `${path}.and_rules.rules[${i}]`)));
    case 'orRules': return some(r.value.rules.map((x, i) => compilePermission(x, `${path}.or_rules.rules[${i}]`)));
    case 'notRule': {
      const inner = compilePermission(r.value, `${path}.not_rule`);
      return (input) => !inner(input);
    }
    case 'any': return always;
    case 'header': return header(r.value, `${path}.header`);
    case 'urlPath': return urlPath(r.value, `${path}.url_path`);
    case 'uriTemplate': return uriTemplate(r.value, `${path}.uri_template`);
    case 'destinationIp': return cidr(r.value, `${path}.destination_ip`, (i) => i.localIp);
    case 'destinationPort': {
      const port = r.value;
      return (input) => input.localPort === port;
    }
    case 'destinationPortRange': return portRange(r.value, `${path}.destination_port_range`);
    case 'requestedServerName': {
      const s = StringMatch.compile(r.value, `${path}.requested_server_name`);
      return (input) => s.match(input.serverName);
    }
    case 'metadata': {
      const m = compileMetadataMatcher(r.value, `${path}.metadata`);
      return (input) => m(input.metadata);
    }
    case 'matcher': return fail(`${path}.matcher`, 'RBAC matcher extensions are not supported by Strait');
    default: return fail(path, 'a permission rule is required');
  }
}

/** Envoy's AuthenticatedMatcher: any URI SAN, else any DNS SAN, else the subject (TLS connections only). */
function authenticated(name: StringMatch | null): RbacMatch {
  return (input) => {
    const ssl = input.ssl;
    if (ssl === undefined) return false;
    if (name === null) return true;
    for (const uri of ssl.uriSanPeerCertificate) if (name.match(uri)) return true;
    for (const dns of ssl.dnsSanPeerCertificate) if (name.match(dns)) return true;
    return name.match(ssl.subjectPeerCertificate);
  };
}

/** Compiles a Principal; `path` names it in errors. */
export function compilePrincipal(p: Principal, path: string): RbacMatch {
  const id = p.identifier;
  switch (id.case) {
    case 'andIds': return all(id.value.ids.map((x, i) => compilePrincipal(x, `${path}.and_ids.ids[${i}]`)));
    case 'orIds': return some(id.value.ids.map((x, i) => compilePrincipal(x, `${path}.or_ids.ids[${i}]`)));
    case 'notId': {
      const inner = compilePrincipal(id.value, `${path}.not_id`);
      return (input) => !inner(input);
    }
    case 'any': return always;
    case 'authenticated': {
      const m = id.value.principalName;
      return authenticated(m === undefined ? null : StringMatch.compile(m, `${path}.authenticated.principal_name`));
    }
    case 'sourceIp': return cidr(id.value, `${path}.source_ip`, (i) => i.sourceIp);
    case 'directRemoteIp': return cidr(id.value, `${path}.direct_remote_ip`, (i) => i.directRemoteIp);
    case 'remoteIp': return cidr(id.value, `${path}.remote_ip`, (i) => i.remoteIp);
    case 'header': return header(id.value, `${path}.header`);
    case 'urlPath': return urlPath(id.value, `${path}.url_path`);
    case 'metadata': {
      const m = compileMetadataMatcher(id.value, `${path}.metadata`);
      return (input) => m(input.metadata);
    }
    case 'filterState': return fail(`${path}.filter_state`, 'filter_state principals are not supported by Strait');
    default: return fail(path, 'a principal identifier is required');
  }
}
