// `strait dashboard [NAME]`: Strait's own dashboard (kiali, grafana and jaeger open its graph, golden signals and
// traces views) or, as istioctl dashboard, envoy (a pod's admin), controlz, the zipkin and prometheus addons; --browser opens it.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { readMeshState } from '../../mesh/local/state.js';
import { resolveProxyPod } from '../pod-ref.js';

/** The addons `strait up --addons` runs. */
const RUN_ADDONS = ['zipkin', 'prometheus'] as const;
/** istioctl's addon dashboards that are views of Strait's own dashboard (src/dashboard/web). */
const VIEWS: Readonly<Record<string, string>> = { kiali: '#/graph', grafana: '#/signals', jaeger: '#/traces' };
/** istioctl's addon dashboards that Strait does not have. */
const OTHER_ADDONS = ['skywalking'];

function urlOf(name: string | undefined, pod: string | undefined, namespace: string | undefined): string {
  const s = readMeshState();
  if (name === undefined || VIEWS[name] !== undefined) {
    if (!s.dashboard) throw new CliError('Error: the running mesh serves no dashboard (it was started by an older strait)');
    return `${s.dashboard}/${name === undefined ? '' : VIEWS[name]}`;
  }
  if (name === 'envoy') {
    if (!pod) throw new CliError('Error: specify a pod or --selector (strait dashboard envoy POD[.NS] or deploy/NAME)');
    const p = resolveProxyPod(s, pod, namespace);
    return `http://${p.podIp}:${p.adminPort}`;
  }
  if (name === 'controlz' || name === 'istiod-debug') return `http://${s.monitoringAddress}/debug`;
  const addon = RUN_ADDONS.find((a) => a === name);
  if (addon) {
    const url = s.addons?.[addon];
    if (!url) throw new CliError(`Error: no ${name} pods found in the local mesh (start it with \`strait up --addons\`${addon === 'prometheus' ? ' and prometheus on PATH' : ''})`);
    return url;
  }
  if (OTHER_ADDONS.includes(name)) throw new CliError(`Error: no ${name} is running in the local mesh (strait runs the zipkin and prometheus addons only)`);
  throw new CliError(`Error: unknown dashboard "${name}" (one of ${Object.keys(VIEWS).join(', ')}, envoy, controlz, ${[...RUN_ADDONS, ...OTHER_ADDONS].join(', ')})`);
}

/** Refuses (exit 1) a URL that does not answer 200 within 5 s, naming `what` and why. */
async function mustAnswer(url: string, what: string): Promise<void> {
  const why = await fetch(url, { signal: AbortSignal.timeout(5000) })
    .then(async (r) => { await r.body?.cancel(); return r.ok ? undefined : `HTTP ${r.status}`; }, (e: Error) => (e.cause as Error | undefined)?.message ?? e.message);
  if (why !== undefined) throw new CliError(`Error: ${what} does not answer at ${url} (${why})`);
}

/** Adds the `dashboard` subcommand (alias dash, d). */
export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard [name] [pod]')
    .aliases(['dash', 'd'])
    .description('print (or open, with --browser) the URL of the mesh\'s dashboard (kiali: its graph, grafana: golden signals, jaeger: traces) or of envoy POD, controlz, zipkin, prometheus')
    .option('-n, --namespace <ns>', 'namespace of the pod')
    .option('--browser', 'open the URL with xdg-open')
    .action(async (name: string | undefined, pod: string | undefined, flags: { namespace?: string; browser?: boolean }) => {
      const url = urlOf(name, pod, flags.namespace);
      if (name === 'controlz' || name === 'istiod-debug') await mustAnswer(url, 'the control plane');
      process.stdout.write(`${url}\n`);
      if (flags.browser) spawn('xdg-open', [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
    });
}
