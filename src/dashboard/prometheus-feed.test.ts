// Tests of the dashboard's Prometheus feed against a Prometheus query API on loopback: the first pull asks for the
// whole retention window, later ones the last minute; samples are added once each, without Prometheus' target labels,
// and a series that appears starts from 0 at its target's scrape before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusFeed } from './prometheus-feed.js';
import { Tsdb } from './tsdb.js';

const metric = { __name__: 'istio_requests_total', reporter: 'source', response_code: '200', instance: '127.0.0.5:15090', job: 'envoy-stats',
  namespace: 'shop', pod: 'web-1', app: 'web', version: 'v1' };

test('the feed adds Prometheus\' raw samples once each, named as the scraper names them', async (t) => {
  const queries: string[] = [];
  let values: Array<[number, string]> = [[10, '1'], [15, '4']];
  let more: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    const q = new URL(req.url!, 'http://x').searchParams;
    queries.push(`${q.get('query')} @${q.get('time')}`);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200 ? { status: 'success', data: { resultType: 'matrix', result: [{ metric, values }, ...more] } }
      : { status: 'error', error: 'bad' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const db = new Tsdb({ capacity: 10, maxSeries: 10 });
  const feed = new PrometheusFeed(db, { retentionMs: 3_600_000, timeoutMs: 1000 });

  assert.equal(await feed.pull(url, 16_000), true);
  // A 500 appears: its series starts from 0 at the target's scrape before its first sample.
  values = [[15, '4'], [20, '9']];
  more = [{ metric: { ...metric, response_code: '500' }, values: [[20, '2']] }];
  assert.equal(await feed.pull(url, 21_000), true);
  const names = 'istio_requests_total|istio_request_duration_milliseconds_bucket|istio_tcp_sent_bytes_total|istio_tcp_received_bytes_total';
  assert.deepEqual(queries, [`{__name__=~"${names}"}[3600s] @16`, `{__name__=~"${names}"}[1m] @21`]);
  const series = db.select('istio_requests_total');
  assert.deepEqual(series.map((s) => [s.labels, s.points()]), [
    [{ reporter: 'source', response_code: '200', instance: '127.0.0.5:15090' }, [[10_000, 1], [15_000, 4], [20_000, 9]]],
    [{ reporter: 'source', response_code: '500', instance: '127.0.0.5:15090' }, [[15_000, 0], [20_000, 2]]],
  ]);

  status = 503;
  assert.equal(await feed.pull(url, 26_000), false, 'an error answer: the caller scrapes instead');
  assert.equal(await feed.pull('http://127.0.0.1:1', 26_000), false, 'no Prometheus there');
});
