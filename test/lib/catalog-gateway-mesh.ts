// Test helper: the book's catalog behind the istioinaction ingress gateway on loopback, as pilot e2e
// tests run it: manifests, `strait pilot` over a temp config dir, the catalog app, and both proxies.
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { proxyBootstrap, type ProxyBootstrapOptions } from '../../src/mesh/agent/bootstrap.js';
import { startPilot, type RunningPilot } from './pilot-process.js';
import { startProxy, type RunningProxy } from './proxy-process.js';

/** The catalog Service (port 80 -> 3000) and one Ready catalog pod `podName` at `podIp`, in istioinaction. */
export const catalogWorkloadYaml = (podName: string, podIp: string): string => `apiVersion: v1
kind: Service
metadata: { name: catalog, namespace: istioinaction }
spec: { selector: { app: catalog }, ports: [{ name: http, port: 80, targetPort: 3000 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: ${podName}, namespace: istioinaction, labels: { app: catalog } }
spec: { containers: [{ name: catalog, image: istioinaction/catalog, ports: [{ containerPort: 3000 }] }] }
status: { podIP: ${podIp}, phase: Running, conditions: [{ type: Ready, status: "True" }] }
`;

/** The catalog workload plus the book's coolstore-gateway (HTTP 8080, any host) routing everything to catalog. */
export const catalogGatewayYaml = (podName: string, podIp: string): string => `${catalogWorkloadYaml(podName, podIp)}---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: { name: coolstore-gateway, namespace: istioinaction }
spec: { selector: { istio: ingressgateway }, servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }] }
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: catalog, namespace: istioinaction }
spec:
  hosts: ["*"]
  gateways: [coolstore-gateway]
  http: [{ route: [{ destination: { host: catalog } }] }]
`;

export interface CatalogGatewayOptions {
  /** Prefix of the temp config dir pilot watches. */
  dirPrefix: string;
  /** Files written into the config dir before pilot starts (name -> text). */
  files: Record<string, string>;
  /** The catalog pod: name, pod IP (its sidecar's address) and app address (the app listens on :3000 there). */
  catalog: { name: string; ip: string; app: string };
  /** The ingress gateway pod's IP. */
  gatewayIp: string;
  /** The catalog app. */
  app: http.RequestListener;
}

export interface CatalogGateway {
  /** The config dir pilot watches. */
  dir: string;
  pilot: RunningPilot;
  /** The catalog sidecar, then the ingress gateway. */
  proxies: RunningProxy[];
  /** An Error of `e`'s message with pilot's and the proxies' output, for a failed first request. */
  withOutputs(e: Error): Error;
}

/** Starts pilot, the catalog app and sidecar and the ingress gateway; `t.after` stops them all and removes the dir. */
export async function startCatalogGateway(t: TestContext, o: CatalogGatewayOptions): Promise<CatalogGateway> {
  const dir = mkdtempSync(join(tmpdir(), o.dirPrefix));
  for (const [f, text] of Object.entries(o.files)) writeFileSync(join(dir, f), text);
  const app = http.createServer(o.app);
  const proxies: RunningProxy[] = [];
  let pilot: RunningPilot | undefined;
  t.after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await new Promise((r) => app.close(r));
    await pilot?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve, reject) => { app.once('error', reject); app.listen(3000, o.catalog.app, resolve); });
  pilot = await startPilot(dir);
  const xdsPort = pilot.xdsPort;
  const boot = (b: Omit<ProxyBootstrapOptions, 'xdsHost' | 'xdsPort'>): string => JSON.stringify(proxyBootstrap({ ...b, xdsHost: '127.0.0.1', xdsPort }));
  proxies.push(await startProxy(boot({ type: 'sidecar', podName: o.catalog.name, namespace: 'istioinaction', podIp: o.catalog.ip,
    appAddress: o.catalog.app, labels: { app: 'catalog' }, serviceAccount: 'catalog' })));
  proxies.push(await startProxy(boot({ type: 'router', podName: 'istio-ingressgateway-0', namespace: 'istio-system', podIp: o.gatewayIp,
    labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } })));
  const started = pilot;
  return { dir, pilot: started, proxies,
    withOutputs: (e) => new Error(`${e.message}\npilot:\n${started.output()}\n${proxies.map((p) => p.output()).join('\n')}`) };
}
