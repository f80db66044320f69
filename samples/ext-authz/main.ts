// Istio's sample external authorizer (samples/extauthz, image ext-authz) over HTTP: a check request with
// `x-ext-authz: allow` gets 200, any other 403 with the sample's body; both carry its x-ext-authz-* headers.
import http from 'node:http';
import { isMainModule, listen, runSample, type RunningServer, type SampleOptions } from '../lib/http-server.js';

export const EXT_AUTHZ_HTTP_PORT = 8000;
const CHECK_HEADER = 'x-ext-authz';
const ALLOWED_VALUE = 'allow';
const RESULT_HEADER = 'x-ext-authz-check-result';
const RECEIVED_HEADER = 'x-ext-authz-check-received';
const OVERRIDE_HEADER = 'x-ext-authz-additional-header-override';
/** The body of a denial, word for word as the sample's. */
export const EXT_AUTHZ_DENY_BODY = `denied by ext_authz for not found header \`${CHECK_HEADER}: ${ALLOWED_VALUE}\` in the request`;
/** Envoy refuses headers over 60 KiB: a longer description is not echoed (as the sample's returnIfNotTooLong). */
const MAX_ECHO = 60000;

function headerText(req: http.IncomingMessage): string {
  const parts: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) parts.push(`${req.rawHeaders[i]}:[${req.rawHeaders[i + 1]}]`);
  return `map[${parts.join(' ')}]`;
}

/** A header value may not hold control characters (a description of the request can). */
function headerSafe(s: string): string {
  const t = s.length > MAX_ECHO ? '<too-long>' : s;
  return t.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' ');
}

/** Starts the HTTP check server. */
export function startExtAuthz(opts: SampleOptions = {}): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const line = `${req.method ?? ''} ${req.headers.host ?? ''}${req.url ?? ''}, headers: ${headerText(req)}, body: [${body.length > MAX_ECHO ? '<too-long>' : body}]`;
      const allowed = req.headers[CHECK_HEADER] === ALLOWED_VALUE;
      process.stdout.write(`[HTTP][${allowed ? 'allowed' : 'denied'}]: ${line}\n`);
      res.setHeader(RESULT_HEADER, allowed ? 'allowed' : 'denied');
      res.setHeader(OVERRIDE_HEADER, headerSafe(String(req.headers[OVERRIDE_HEADER] ?? '')));
      res.setHeader(RECEIVED_HEADER, headerSafe(line));
      if (allowed) {
        res.writeHead(200);
        res.end();
        return;
      }
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(EXT_AUTHZ_DENY_BODY);
    });
  });
  return listen(server, { host: opts.host ?? '0.0.0.0', port: opts.port ?? EXT_AUTHZ_HTTP_PORT });
}

if (isMainModule(import.meta.url)) {
  void runSample('ext-authz', EXT_AUTHZ_HTTP_PORT, startExtAuthz);
}
