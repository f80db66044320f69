// Which sample runs a Deployment's container image in local mode: image name (no registry, no
// tag) -> sample name, the port it listens on, and how to start it in-process.
import type { RunningServer } from './lib/http-server.js';
import { listenOptionsFromListenAddr } from './lib/http-server.js';
import { CATALOG_DEFAULT_PORT, startCatalog } from './catalog/main.js';
import { EXT_AUTHZ_HTTP_PORT, startExtAuthz } from './ext-authz/main.js';
import { FAKE_SERVICE_DEFAULT_LISTEN_ADDR, startFakeService } from './fake-service/main.js';
import { FORUM_DEFAULT_PORT, startForum } from './forum/main.js';
import { startJsonplaceholder } from './forum/jsonplaceholder.js';
import { parseHttpEchoArgs, startHttpEcho } from './http-echo/main.js';
import { HTTPBIN_DEFAULT_PORT, startHttpbin } from './httpbin/main.js';
import { startSleep } from './sleep/main.js';
import { TCP_ECHO_DEFAULT_PORT, startTcpEcho } from './tcp-echo/main.js';
import { startWebapp, WEBAPP_DEFAULT_PORT } from './webapp/main.js';

/** What the runtime hands a sample: where to listen, and the container's env and args. */
export interface SampleStartArgs {
  host: string;
  port: number;
  env: Record<string, string | undefined>;
  args: readonly string[];
}

/** One runnable sample. */
export interface SampleEntry {
  /** The sample's folder under samples/. */
  sample: string;
  /** 'http' and 'tcp' samples listen; 'none' (sleep) is a client only. */
  protocol: 'http' | 'tcp' | 'none';
  /** The port the image listens on when nothing configures it (0: none). */
  defaultPort: number;
  /** The port the container listens on given its env and args (LISTEN_ADDR, TCP_PORT, -listen...). */
  containerPort(env: Record<string, string | undefined>, args: readonly string[]): number;
  /** Starts it in this process. */
  start(a: SampleStartArgs): Promise<RunningServer>;
}

const fixed = (port: number) => (): number => port;

const catalog: SampleEntry = {
  sample: 'catalog', protocol: 'http', defaultPort: CATALOG_DEFAULT_PORT, containerPort: fixed(CATALOG_DEFAULT_PORT),
  start: (a) => startCatalog(a),
};
const webapp: SampleEntry = {
  sample: 'webapp', protocol: 'http', defaultPort: WEBAPP_DEFAULT_PORT, containerPort: fixed(WEBAPP_DEFAULT_PORT),
  start: (a) => startWebapp(a),
};
const forum: SampleEntry = {
  sample: 'forum', protocol: 'http', defaultPort: FORUM_DEFAULT_PORT, containerPort: fixed(FORUM_DEFAULT_PORT),
  start: (a) => startForum(a),
};
const fakeService: SampleEntry = {
  sample: 'fake-service', protocol: 'http', defaultPort: 9090,
  containerPort: (env) => listenOptionsFromListenAddr(env, FAKE_SERVICE_DEFAULT_LISTEN_ADDR).port ?? 9090,
  start: (a) => startFakeService(a),
};
const httpbin = (port: number): SampleEntry => ({
  sample: 'httpbin', protocol: 'http', defaultPort: port, containerPort: fixed(port),
  start: (a) => startHttpbin({ host: a.host, port: a.port }),
});
const sleep: SampleEntry = {
  sample: 'sleep', protocol: 'none', defaultPort: 0, containerPort: fixed(0), start: (a) => startSleep(a),
};
const tcpEcho: SampleEntry = {
  sample: 'tcp-echo', protocol: 'tcp', defaultPort: TCP_ECHO_DEFAULT_PORT,
  containerPort: (env) => Number(env.TCP_PORT || TCP_ECHO_DEFAULT_PORT), start: (a) => startTcpEcho(a),
};
const httpEcho: SampleEntry = {
  sample: 'http-echo', protocol: 'http', defaultPort: 5678,
  containerPort: (env, args) => parseHttpEchoArgs(args, env).listen.port ?? 5678,
  start: (a) => startHttpEcho(a),
};

const extAuthz: SampleEntry = {
  sample: 'ext-authz', protocol: 'http', defaultPort: EXT_AUTHZ_HTTP_PORT, containerPort: fixed(EXT_AUTHZ_HTTP_PORT),
  start: (a) => startExtAuthz(a),
};

/** Image name (as normalizeImageName gives it) -> sample. */
export const SAMPLE_IMAGES: Readonly<Record<string, SampleEntry>> = {
  'istioinaction/catalog': catalog,
  'istioinaction/webapp': webapp,
  'istioinaction/forum': forum,
  'nicholasjackson/fake-service': fakeService,
  'citizenstig/httpbin': httpbin(HTTPBIN_DEFAULT_PORT),
  'kennethreitz/httpbin': httpbin(80),
  'governmentpaas/curl-ssl': sleep,
  'curlimages/curl': sleep,
  'cjimti/go-echo': tcpEcho,
  'hashicorp/http-echo': httpEcho,
  // Istio's samples/extauthz: built as gcr.io/istio-testing/ext-authz, published as docker.io/istio/ext-authz.
  'istio-testing/ext-authz': extAuthz,
  'istio/ext-authz': extAuthz,
};

/** Samples no image names, that local mode runs for a mesh-external host (ch5's ServiceEntry egress). */
export const EXTERNAL_SAMPLES: Readonly<Record<string, SampleEntry>> = {
  'jsonplaceholder.typicode.com': {
    sample: 'forum/jsonplaceholder', protocol: 'http', defaultPort: 80, containerPort: fixed(80),
    start: (a) => startJsonplaceholder(a),
  },
};

/** "docker.io/library/x:1.0", "registry:5000/a/b@sha256:..." -> "x", "a/b": no registry host, tag or digest. */
export function normalizeImageName(image: string): string {
  let name = image.trim().toLowerCase();
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  const parts = name.split('/');
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) parts.shift();
  if (parts.length > 1 && parts[0] === 'library') parts.shift();
  return parts.join('/');
}

/** The sample that runs `image`, or undefined when local mode has none. */
export function sampleForImage(image: string): SampleEntry | undefined {
  return SAMPLE_IMAGES[normalizeImageName(image)];
}
