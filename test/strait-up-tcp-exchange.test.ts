// The book's chapter 4 TCP gateway on `strait up`: a connection to the ingress gateway's port 31400 goes
// over auto mTLS to tcp-echo's sidecar; the TCP metadata exchange labels both sides' istio_tcp_* metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { newHome, startMesh } from './lib/strait-up.js';
import { waitFor } from './lib/wait.js';
import type { MeshState, PodState } from '../src/mesh/local/state.js';
import { BOOK_DIR } from '../samples/book-corpus.js';

/** Connects to `port`, waits for the banner, sends `text`, and reads until it is echoed; then closes. */
async function echoCall(host: string, port: number, text: string): Promise<string> {
  const sock = net.connect(port, host);
  let got = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no echo; got ${JSON.stringify(got)}`)), 10_000);
      sock.once('error', reject);
      sock.on('data', (d: Buffer) => {
        const first = got === '';
        got += d.toString();
        if (first) sock.write(text);
        if (!got.endsWith(text)) return;
        clearTimeout(timer);
        resolve(got);
      });
    });
  } finally {
    sock.end();
  }
}

async function metrics(pod: PodState): Promise<string> {
  return (await fetch(`http://${pod.podIp}:${pod.adminPort}/stats/prometheus`)).text();
}

test('strait up: TCP through the gateway to tcp-echo carries the peers\' workloads and principals', { timeout: 240_000 }, async (t) => {
  const home = newHome('strait-tcpmx-');
  const mesh = await startMesh(t, home, ['--ingress-port', '0', '--xds-port', '0', '--monitoring-port', '0'], 90_000);
  for (const f of ['ch4/echo.yaml', 'ch4/gateway-tcp.yaml', 'ch4/echo-vs.yaml']) {
    const r = await mesh.run(['apply', '-f', join(BOOK_DIR, f), '-n', 'istioinaction']);
    assert.equal(r.code, 0, `apply ${f}: ${r.stderr}`);
  }
  const pods = (): PodState[] => (JSON.parse(readFileSync(join(home, 'mesh.json'), 'utf8')) as MeshState).pods;
  const echoPod = await waitFor('the tcp-echo pod', 60_000, () => pods().find((p) => p.deployment === 'tcp-echo-deployment'), 200);
  const gateway = pods().find((p) => p.labels['istio'] === 'ingressgateway')!;
  assert.ok(gateway, JSON.stringify(pods().map((p) => p.name)));

  const got = await waitFor('an echo through the gateway', 60_000, () => echoCall(gateway.podIp, 31400, 'hello tcp\n'), 500);
  assert.match(got, /^Running on Pod tcp-echo-deployment-/m, 'the banner arrives without any exchange bytes before it');
  assert.ok(got.endsWith('hello tcp\n'));

  const gatewaySa = 'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
  const echoSa = 'spiffe://cluster.local/ns/istioinaction/sa/default';
  const server = await waitFor('tcp-echo\'s sidecar metrics', 20_000, async () => {
    const text = await metrics(echoPod);
    return /istio_tcp_connections_closed_total\{reporter="destination",source_workload="istio-ingressgateway"/.test(text) ? text : undefined;
  }, 250).catch(async () => assert.fail(await metrics(echoPod)));
  const serverLine = /istio_tcp_connections_opened_total\{reporter="destination",[^}]*\}/.exec(server)![0];
  for (const l of ['source_workload_namespace="istio-system"', `source_principal="${gatewaySa}"`,
    'destination_workload="tcp-echo-deployment"', `destination_principal="${echoSa}"`, 'connection_security_policy="mutual_tls"']) {
    assert.ok(serverLine.includes(l), `${l} in ${serverLine}`);
  }
  const client = await waitFor('the gateway\'s metrics', 20_000, async () => {
    const text = await metrics(gateway);
    return /istio_tcp_connections_closed_total\{reporter="source",[^}]*destination_workload="tcp-echo-deployment"/.test(text) ? text : undefined;
  }, 250).catch(async () => assert.fail(await metrics(gateway)));
  const clientLine = /istio_tcp_connections_opened_total\{reporter="source",[^}]*destination_workload="tcp-echo-deployment"[^}]*\}/.exec(client)![0];
  for (const l of ['destination_workload_namespace="istioinaction"', `destination_principal="${echoSa}"`,
    'destination_app="tcp-echo"', `source_principal="${gatewaySa}"`]) {
    assert.ok(clientLine.includes(l), `${l} in ${clientLine}`);
  }
});
