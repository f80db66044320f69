// `strait demo`: the book's chapter 3 on one machine: the httpbin sample on 127.0.0.1:8000 and
// a Strait proxy running examples/ch3/<config>.yaml (listener 15001, admin 15000).
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';

const CONFIGS = ['simple', 'simple_change_timeout', 'simple_retry'];

async function runDemo(flags: { config: string }): Promise<void> {
  if (!CONFIGS.includes(flags.config)) throw new CliError(`unknown demo config '${flags.config}' (one of ${CONFIGS.join(', ')})`);
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const configPath = join(root, 'examples', 'ch3', `${flags.config}.yaml`);
  const { startHttpbin } = await import('../../../samples/httpbin/main.js');
  const httpbin = await startHttpbin({ host: '127.0.0.1', port: 8000 });
  process.stdout.write(`httpbin sample listening on 127.0.0.1:${httpbin.port}\n`);
  const { loadBootstrap } = await import('../../proxy/bootstrap/load.js');
  const loaded = loadBootstrap({ path: configPath });
  if (!loaded.ok) throw new CliError(`examples/ch3/${flags.config}.yaml does not load`);
  const { startProxy } = await import('../../proxy/server/index.js');
  await startProxy({ bootstrap: loaded.bootstrap, configPath, concurrency: 1, logLevel: 'info', drainTimeS: 5,
    parentShutdownTimeS: 10 });
  process.stdout.write([
    `Strait proxy running examples/ch3/${flags.config}.yaml. Try:`,
    '  curl -s http://127.0.0.1:15001/headers',
    '  curl -s http://127.0.0.1:15000/clusters',
    '  curl -s http://127.0.0.1:15000/stats | grep retry',
    'Ctrl-C stops both.', ''].join('\n'));
}

/** Adds the `demo` subcommand (what `npm start` runs). */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the book\'s chapter 3: httpbin behind a Strait proxy (listener 15001, admin 15000)')
    .option('--config <name>', `which ch3 config: ${CONFIGS.join(', ')}`, 'simple')
    .action(runDemo);
}
