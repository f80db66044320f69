// direct_response and redirect actions compiled once: status codes, the body read from its data
// source (inline, file or environment), and the redirect's URL parts.
import { readFileSync, statSync } from 'node:fs';
import type { DataSource } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { DirectResponseAction as DirectResponseProto, RedirectAction as RedirectProto } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { RedirectAction_RedirectResponseCode as RedirectCode } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { fail } from './errors.js';
import { compileRegexRewrite } from './string-match.js';
import type { DirectResponseAction, RedirectAction } from './types.js';

/** Envoy's default max_direct_response_body_size_bytes. */
export const DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES = 4096;

function readBody(src: DataSource, maxBytes: number, path: string): Buffer {
  const s = src.specifier;
  let body: Buffer;
  switch (s.case) {
    case 'inlineString': body = Buffer.from(s.value, 'utf8'); break;
    case 'inlineBytes': body = Buffer.from(s.value); break;
    case 'environmentVariable': {
      const v = process.env[s.value];
      if (v === undefined) fail(`${path}.environment_variable`, `Environment variable doesn't exist: ${s.value}`);
      body = Buffer.from(v, 'utf8');
      break;
    }
    case 'filename': {
      let size: number;
      try {
        size = statSync(s.value).size;
      } catch {
        fail(`${path}.filename`, `response body file ${s.value} does not exist`);
      }
      if (size > maxBytes) fail(`${path}.filename`, `response body file ${s.value} size is ${size} bytes; maximum is ${maxBytes}`);
      try {
        body = readFileSync(s.value);
      } catch (e) {
        fail(`${path}.filename`, `cannot read response body file ${s.value}: ${(e as Error).message}`);
      }
      return body;
    }
    default:
      return Buffer.alloc(0);
  }
  if (body.length > maxBytes) fail(path, `response body size is ${body.length} bytes; maximum is ${maxBytes}`);
  return body;
}

/** Compiles a direct_response action. */
export function compileDirectResponse(d: DirectResponseProto, maxBodyBytes: number, path: string): DirectResponseAction {
  if (d.status < 200 || d.status >= 600) fail(`${path}.status`, 'value must be inside range [200, 600)');
  return { kind: 'direct_response', status: d.status, body: d.body === undefined ? null : readBody(d.body, maxBodyBytes, `${path}.body`) };
}

function redirectStatus(c: RedirectCode): number {
  switch (c) {
    case RedirectCode.FOUND: return 302;
    case RedirectCode.SEE_OTHER: return 303;
    case RedirectCode.TEMPORARY_REDIRECT: return 307;
    case RedirectCode.PERMANENT_REDIRECT: return 308;
    default: return 301;
  }
}

/** Compiles a redirect action. */
export function compileRedirect(r: RedirectProto, path: string): RedirectAction {
  const scheme = r.schemeRewriteSpecifier;
  const p = r.pathRewriteSpecifier;
  const pathRedirect = p.case === 'pathRedirect' ? p.value : '';
  return {
    kind: 'redirect',
    status: redirectStatus(r.responseCode),
    schemeRedirect: scheme.case === 'schemeRedirect' ? scheme.value : '',
    httpsRedirect: scheme.case === 'httpsRedirect' && scheme.value,
    hostRedirect: r.hostRedirect,
    portRedirect: r.portRedirect !== 0 ? `:${r.portRedirect}` : '',
    pathRedirect,
    pathRedirectHasQuery: pathRedirect.includes('?'),
    prefixRewrite: p.case === 'prefixRewrite' ? p.value : '',
    regexRewrite: p.case === 'regexRewrite' ? compileRegexRewrite(p.value, `${path}.regex_rewrite`) : null,
    stripQuery: r.stripQuery,
    sslRedirect: false,
  };
}

/** The redirect a virtual host with require_tls answers plain-text requests with (301 to https). */
export const SSL_REDIRECT: RedirectAction = Object.freeze({
  kind: 'redirect', status: 301, schemeRedirect: '', httpsRedirect: true, hostRedirect: '', portRedirect: '',
  pathRedirect: '', pathRedirectHasQuery: false, prefixRewrite: '', regexRewrite: null, stripQuery: false,
  sslRedirect: true,
});
