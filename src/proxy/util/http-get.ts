// A plain HTTP/1.1 GET of a text body over node:http: the admin and stats reads of the local mesh and
// jwt_authn's key sets, without loading fetch's client (undici: ~50 ms and 10 MB on first use).
import http from 'node:http';

/**
 * The body of `url` when it answers 200, else a rejection (status, timeout, connection error).
 * `connectTo` dials another address than the URL's host (which still goes in the Host header).
 */
export function getText(url: URL | string, timeoutMs: number, connectTo?: { host: string; port: number }): Promise<string> {
  const u = typeof url === 'string' ? new URL(url) : url;
  return new Promise((resolve, reject) => {
    const req = http.get({
      host: connectTo?.host ?? u.hostname.replace(/^\[|\]$/g, ''), port: connectTo?.port ?? (u.port === '' ? 80 : Number(u.port)),
      path: `${u.pathname}${u.search}`, headers: { host: u.host }, timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(Buffer.concat(chunks).toString('utf8'));
        else reject(new Error(`status ${res.statusCode ?? 0}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
