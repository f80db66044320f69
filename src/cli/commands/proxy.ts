// `strait proxy`: Envoy's command line. Loads and validates the bootstrap, then either reports
// it OK (--mode validate) or starts the proxy server (--mode serve).
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatConfigError, NO_CONFIG_MESSAGE, type ConfigError } from '../../proxy/bootstrap/config-error.js';
import { LOG_LEVELS, type LogLevel, type ProxyOptions } from '../../proxy/server/options.js';
import { CliError } from '../cli-error.js';


/** The flags as commander hands them over. */
interface ProxyFlags {
  configPath?: string;
  configYaml?: string;
  mode: 'serve' | 'validate';
  concurrency: number;
  logLevel: string;
  serviceCluster?: string;
  serviceNode?: string;
  drainTimeS: number;
  parentShutdownTimeS: number;
  adminAddressPath?: string;
  agentConfig?: string;
}

function intArg(min: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return Number(value);
  };
}

/** Envoy accepts `warn` as an alias of `warning`. */
function logLevel(value: string): LogLevel {
  return (value === 'warn' ? 'warning' : value) as LogLevel;
}

/** Envoy's `error initializing configuration '<path>': <reason>`, one reason per line. */
export function configErrorText(configPath: string, errors: readonly ConfigError[]): string {
  const head = `error initializing configuration '${configPath}':`;
  if (errors.length === 1) return `${head} ${formatConfigError(errors[0]!)}`;
  return [`${head} ${errors.length} errors`, ...errors.map(formatConfigError)].join('\n');
}

async function runProxy(flags: ProxyFlags): Promise<void> {
  const configPath = flags.configPath ?? '';
  if (!flags.configPath && !flags.configYaml) throw new CliError(configErrorText(configPath, [{ path: '', message: NO_CONFIG_MESSAGE }]));
  // Imported here: the generated protos take ~0.5 s to load, which --help and version don't need.
  const { loadBootstrap } = await import('../../proxy/bootstrap/load.js');
  const loaded = loadBootstrap({ path: flags.configPath, yaml: flags.configYaml });
  if (!loaded.ok) throw new CliError(configErrorText(configPath, loaded.errors));
  if (flags.mode === 'validate') {
    // Checks that need more than the schema (addresses, TLS files, filter chains), without starting anything.
    const { buildErrors } = await import('../../proxy/server/validate.js');
    const errors = await buildErrors(loaded.bootstrap);
    if (errors.length > 0) throw new CliError(configErrorText(configPath, errors));
    process.stdout.write(`configuration '${configPath}' OK\n`);
    return;
  }
  const options: ProxyOptions = {
    bootstrap: loaded.bootstrap,
    concurrency: flags.concurrency,
    logLevel: logLevel(flags.logLevel),
    drainTimeS: flags.drainTimeS,
    parentShutdownTimeS: flags.parentShutdownTimeS,
  };
  if (flags.configPath !== undefined) options.configPath = flags.configPath;
  if (flags.configYaml !== undefined) options.configYaml = flags.configYaml;
  if (flags.serviceCluster !== undefined) options.serviceCluster = flags.serviceCluster;
  if (flags.serviceNode !== undefined) options.serviceNode = flags.serviceNode;
  if (flags.adminAddressPath !== undefined) options.adminAddressPath = flags.adminAddressPath;
  const { startProxy } = await import('../../proxy/server/index.js');
  const { ProxyConfigError } = await import('../../proxy/bootstrap/config-error.js');
  if (flags.agentConfig !== undefined) await runAgent(flags.agentConfig);
  try {
    await startProxy(options);
  } catch (e) {
    // Errors found while building clusters, routes and loggers carry their field path.
    if (e instanceof ProxyConfigError) throw new CliError(`error initializing configuration '${configPath}': ${e.message}`);
    throw e;
  }
}

/** Starts the pod agent in this process (certificates over SDS for the proxy); a bad agent file is a CLI error. */
async function runAgent(file: string): Promise<void> {
  const { startAgent } = await import('../../mesh/agent/agent.js');
  const { log } = await import('../../proxy/log.js');
  let cfg: import('../../mesh/agent/agent.js').AgentConfig;
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`agent config '${file}': ${(e as Error).message}`);
  }
  await startAgent(cfg, (level, m) => log('secret', level === 'warn' ? 'warning' : 'info', `agent: ${m}`));
}

/** Adds the `proxy` subcommand with Envoy's flags. */
export function registerProxyCommand(program: Command): void {
  program
    .command('proxy')
    .description('run an Envoy-compatible proxy from an Envoy v3 bootstrap (Envoy\'s command line)')
    .option('-c, --config-path <file>', 'bootstrap file (YAML, JSON or binary .pb)')
    .option('--config-yaml <yaml>', 'bootstrap YAML, merged over --config-path when both are given')
    .addOption(new Option('--mode <mode>', 'serve, or validate the config and exit').choices(['serve', 'validate']).default('serve'))
    .option('--concurrency <n>', 'number of worker threads', intArg(1), 1)
    .addOption(new Option('-l, --log-level <level>', 'log level').choices([...LOG_LEVELS, 'warn']).default('info'))
    .option('--service-cluster <name>', 'local service cluster name (overrides node.cluster)')
    .option('--service-node <name>', 'local service node name (overrides node.id)')
    .option('--drain-time-s <s>', 'seconds to drain connections on shutdown', intArg(0), 600)
    .option('--admin-address-path <file>', 'write the admin address (ip:port) to this file once listening')
    .option('--agent-config <file>', 'run the pod agent beside the proxy: workload certificates from the CA, served over SDS (JSON)')
    .option('--parent-shutdown-time-s <s>', 'seconds before a hot-restart parent shuts down', intArg(0), 900)
    .action(async (flags: ProxyFlags) => {
      await runProxy(flags);
    });
}
