// `strait pilot`: the control plane (istiod's discovery): reads Istio and Kubernetes manifests from
// a watched directory and serves xDS (15010) and monitoring/debug (15014) until SIGINT/SIGTERM.
import { existsSync, statSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { port } from '../option-parsers.js';
import { CliError } from '../cli-error.js';

interface PilotFlags {
  configDir: string;
  xdsHost: string;
  xdsPort: number;
  monitoringHost: string;
  monitoringPort: number;
  debounceAfter: number;
  debounceMax: number;
  outboundTrafficPolicy: string;
  autoMtls: boolean;
  workloadSds: boolean;
}

/** Istio's duration flags: `100ms`, `10s`, `1m`. */
function durationMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected a duration such as 100ms, 10s or 1m');
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
}

async function runPilot(flags: PilotFlags): Promise<void> {
  if (!existsSync(flags.configDir) || !statSync(flags.configDir).isDirectory()) {
    throw new CliError(`strait pilot: --config-dir ${flags.configDir}: no such directory`);
  }
  if (flags.outboundTrafficPolicy !== 'ALLOW_ANY' && flags.outboundTrafficPolicy !== 'REGISTRY_ONLY') {
    throw new CliError(`strait pilot: --outbound-traffic-policy must be ALLOW_ANY or REGISTRY_ONLY, not ${flags.outboundTrafficPolicy}`);
  }
  const [{ DirectorySource }, { MemoryConfigStore }, { DiscoveryServer }, { defaultTranslators }, { defaultMeshConfig }, { packageInfo }] = await Promise.all([
    import('../../pilot/config/directory-source.js'), import('../../pilot/config/store.js'), import('../../pilot/server/discovery-server.js'),
    import('../../pilot/xds/default-translators.js'), import('../../pilot/model/mesh-config.js'), import('../package-info.js'),
  ]);
  const log = (level: string, msg: string): void => {
    if (level !== 'debug') process.stderr.write(`${new Date().toISOString()}\t${level}\t${msg}\n`);
  };
  const store = new MemoryConfigStore();
  const mesh = { ...defaultMeshConfig(), outboundTrafficPolicy: { mode: flags.outboundTrafficPolicy as 'ALLOW_ANY' | 'REGISTRY_ONLY' }, enableAutoMtls: flags.autoMtls,
    workloadSds: flags.workloadSds };
  const ds = new DiscoveryServer({
    source: store, translators: defaultTranslators, mesh, xdsHost: flags.xdsHost, xdsPort: flags.xdsPort,
    monitoringHost: flags.monitoringHost, monitoringPort: flags.monitoringPort,
    debounceAfterMs: flags.debounceAfter, debounceMaxMs: flags.debounceMax, version: packageInfo().version, log,
  });
  // Invalid objects are not admitted: logged with their file and counted (galley_validation_failed).
  const source = new DirectorySource(flags.configDir, store, {
    onProblem: (m) => log('warn', `config: ${m}`), onRejected: (o) => ds.recordRejectedConfig(o),
  });
  source.start();
  await ds.start();
  log('info', `pilot: ${store.all().length} objects from ${flags.configDir}; xDS on ${flags.xdsHost}:${ds.xdsPort}, ` +
    `monitoring on ${flags.monitoringHost}:${ds.monitoringPort}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => { resolve(); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  source.close();
  await ds.close();
}

/** Adds the `pilot` subcommand. */
export function registerPilotCommand(program: Command): void {
  program
    .command('pilot')
    .description('run the control plane: Istio resources from a directory, translated and pushed to proxies over xDS')
    .requiredOption('-d, --config-dir <dir>', 'directory of Istio and Kubernetes manifests (watched for changes)')
    .option('--xds-host <address>', 'xDS (gRPC) listen address', '127.0.0.1')
    .option('--xds-port <port>', 'xDS (gRPC) port', port, 15010)
    .option('--monitoring-host <address>', 'metrics and debug listen address', '127.0.0.1')
    .option('--monitoring-port <port>', 'metrics and debug port (/metrics, /debug/...)', port, 15014)
    .option('--debounce-after <duration>', 'quiet period before a push (PILOT_DEBOUNCE_AFTER)', durationMs, 100)
    .option('--debounce-max <duration>', 'longest a change waits for a push (PILOT_DEBOUNCE_MAX)', durationMs, 10_000)
    .option('--outbound-traffic-policy <mode>', 'meshConfig.outboundTrafficPolicy.mode: ALLOW_ANY or REGISTRY_ONLY', 'ALLOW_ANY')
    .option('--auto-mtls', 'meshConfig.enableAutoMtls (Istio\'s default); off until Strait has a CA and SDS, as proxies would refuse the ISTIO_MUTUAL clusters', false)
    .option('--workload-sds', 'proxies take their workload certificate over SDS (sds-grpc, as Istio\'s agent serves it): PeerAuthentication\'s mTLS '
      + 'is served inbound; without it PERMISSIVE ports take plaintext only and STRICT ports refuse every connection', false)
    .action(runPilot);
}
