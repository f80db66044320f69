// The control API of a running `strait up` (127.0.0.1, a free port named in mesh.json): what
// `strait apply/delete/get/label/down` talk to. Bodies are YAML; answers are kubectl-style lines; apply
// admits objects as Istio's validating webhook does (422 when any was refused).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalMesh } from './local-mesh.js';
import { admit, readManifests } from './admission.js';
import { manifestKey } from './workloads.js';

export interface ControlApi {
  url: string;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))).on('error', reject);
  });
}

const json = (res: http.ServerResponse, status: number, v: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(v));
};

/** Serves the mesh's control API; `onChange` follows each apply and delete, `onDown` is called for POST /down. */
export function startControlApi(mesh: LocalMesh, stateOf: (url: string) => unknown, onChange: () => void,
  onDown: () => void): Promise<ControlApi> {
  let url = '';
  const server = http.createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://control');
      const ns = u.searchParams.get('namespace') || 'default';
      try {
        if (req.method === 'GET' && u.pathname === '/state') return json(res, 200, stateOf(url));
        if (req.method === 'GET' && u.pathname === '/objects') return json(res, 200, mesh.list());
        const source = u.searchParams.get('source') ?? 'input';
        if (req.method === 'POST' && u.pathname === '/apply') {
          // Refused objects never reach the mesh; the valid ones of the same input are applied.
          const a = admit(await readBody(req), source, ns, new Set(mesh.list().map(manifestKey)));
          const r = mesh.applyObjects(a.accepted);
          await Promise.all(r.pods.map((p) => p.ready(20_000)));
          onChange();
          return json(res, a.refused.length > 0 ? 422 : 200, { lines: r.lines, warnings: [...a.warnings, ...r.warnings], errors: a.refused });
        }
        if (req.method === 'POST' && u.pathname === '/delete') {
          const read = readManifests(await readBody(req), source, ns);
          const r = await mesh.deleteObjects(read.objects.map((o) => o.manifest), source);
          onChange();
          const errors = [...read.errors, ...r.errors];
          return json(res, read.errors.length > 0 ? 400 : r.errors.length > 0 ? 404 : 200, { lines: r.lines, errors });
        }
        if (req.method === 'POST' && u.pathname === '/label') {
          const r = mesh.labelNamespace(u.searchParams.get('name') ?? '', u.searchParams.getAll('label'), u.searchParams.get('overwrite') === 'true');
          onChange();
          return json(res, r.errors.length > 0 ? 400 : 200, r);
        }
        if (req.method === 'POST' && u.pathname === '/down') {
          json(res, 200, { lines: ['stopping'] });
          onDown();
          return;
        }
        json(res, 404, { errors: [`no such endpoint ${req.method} ${u.pathname}`] });
      } catch (e) {
        json(res, 400, { errors: [(e as Error).message] });
      }
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({ url, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
    });
  });
}
