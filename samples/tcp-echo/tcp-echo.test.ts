// Tests of the tcp-echo sample: the go-echo banner from the pod's env, then the echo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTcpEcho, tcpEchoBanner } from './main.js';

test('banner first (lines for set variables only), then what is sent comes back', async () => {
  const env = { NODE_NAME: 'node-1', POD_NAME: 'tcp-echo-abc', POD_NAMESPACE: 'istioinaction', POD_IP: '10.0.0.7' };
  const s = await startTcpEcho({ host: '127.0.0.1', port: 0, env });
  const banner = 'Welcome, you are connected to node node-1.\nRunning on Pod tcp-echo-abc.\n'
    + 'In namespace istioinaction.\nWith IP address 10.0.0.7.\n';
  try {
    const got = await new Promise<string>((resolve, reject) => {
      const c = net.connect(s.port, '127.0.0.1');
      let data = '';
      c.on('data', (d) => {
        data += d.toString();
        if (data === banner) c.write('hello\n');
        if (data === `${banner}hello\n`) { c.end(); resolve(data); }
      });
      c.on('error', reject);
    });
    assert.equal(got, `${banner}hello\n`);
    assert.equal(tcpEchoBanner({ SERVICE_ACCOUNT: 'default' }), 'Service default.\n');
  } finally {
    await s.close();
  }
});
