// Shared by the access-log tests: a StreamInfo filled like the docs' example request.
// Not used by the proxy itself.
import { HeaderMap, type RequestHead, type ResponseHead } from '../http/headers.js';
import { StreamInfo } from '../http/stream-info.js';

/** 2016-04-15T20:17:00.310Z, the timestamp of Envoy's documented example line. */
export const DOC_START_TIME = Date.UTC(2016, 3, 15, 20, 17, 0, 310);

/** Sets the (readonly in the type) wall-clock start, as a test clock would. */
export function setStartTime(info: StreamInfo, ms: number): void {
  Object.defineProperty(info, 'startTime', { value: ms });
}

function headers(pairs: Record<string, string>): HeaderMap {
  const h = new HeaderMap();
  for (const [k, v] of Object.entries(pairs)) h.add(k, v);
  return h;
}

/** The request of Envoy's documented example line, answered 204 by 10.0.2.1:80. */
export function docExampleInfo(): StreamInfo {
  const info = new StreamInfo('HTTP/2');
  setStartTime(info, DOC_START_TIME);
  const req: RequestHead = {
    method: 'POST', path: '/api/v1/locations', authority: 'locations', scheme: 'https', protocol: 'HTTP/2',
    headers: headers({
      'x-forwarded-for': '10.0.35.28', 'user-agent': 'nsq2http', 'x-request-id': 'cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2',
    }),
  };
  const resp: ResponseHead = { status: 204, headers: headers({ 'x-envoy-upstream-service-time': '100' }) };
  info.requestHead = req;
  info.responseHead = resp;
  info.responseCode = 204;
  info.bytesReceived = 154;
  info.bytesSent = 0;
  info.durationMs = 226.8;
  info.upstreamHost = '10.0.2.1:80';
  return info;
}

/** A stream where nothing happened yet (duration pinned to 0 so lines are stable). */
export function emptyInfo(protocol = 'HTTP/1.1'): StreamInfo {
  const info = new StreamInfo(protocol);
  setStartTime(info, DOC_START_TIME);
  info.durationMs = 0;
  return info;
}

export { headers as headerMap };
