// `strait zipkin`: the trace collector on its own, Zipkin's API v2 (and OTLP/HTTP JSON at
// /v1/traces) on --address:--port (Zipkin's 9411), in memory, until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { port, positiveInt } from '../option-parsers.js';

interface ZipkinFlags { address: string; port: number; maxSpans: number }

async function runZipkin(flags: ZipkinFlags): Promise<void> {
  const { startCollector } = await import('../../telemetry/zipkin/server.js');
  const collector = await startCollector({ host: flags.address, port: flags.port, maxSpans: flags.maxSpans });
  process.stdout.write(`zipkin collector listening on ${collector.url} (POST ${collector.url}/api/v2/spans, ` +
    `OTLP ${collector.url}/v1/traces, UI ${collector.url}/zipkin/)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await collector.close();
}

/** Adds the `zipkin` subcommand. */
export function registerZipkinCommand(program: Command): void {
  program
    .command('zipkin')
    .description('run the trace collector: Zipkin\'s API v2 and OTLP/HTTP JSON traces, kept in memory')
    .option('--address <ip>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (Zipkin\'s 9411)', port, 9411)
    .option('--max-spans <n>', 'spans kept in memory; the oldest traces go first', positiveInt, 50_000)
    .action(runZipkin);
}
