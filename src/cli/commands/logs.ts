// `strait logs POD`: kubectl logs for a local mesh pod's app or istio-proxy container, with
// --tail N and -f (follow the file until interrupted, or until the pod or the mesh goes away).
import type { Command } from 'commander';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { podLogFile, readMeshState, runDir, type PodState } from '../../mesh/local/state.js';
import { CliError } from '../cli-error.js';
import { resolvePod } from '../pod-ref.js';

interface LogsFlags { namespace?: string; container?: string; follow?: boolean; tail: number }

/** How often -f looks for new output. */
const FOLLOW_INTERVAL_MS = 200;

/** The last `n` lines of `text` (all when n < 0), as kubectl --tail. */
export function lastLines(text: string, n: number): string {
  if (n < 0) return text;
  if (n === 0) return '';
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  if (complete) lines.pop();
  return lines.slice(-n).join('\n') + (complete ? '\n' : '');
}

/** The container's log file: the app's (named after its Deployment) or istio-proxy's; kubectl's error for another name. */
function logFileOf(pod: PodState, container: string | undefined): string {
  const proxy = container === 'istio-proxy' || pod.type === 'router';
  // A pod not injected has only its app container.
  if (container !== undefined && ((!proxy && container !== pod.deployment) || (proxy && pod.type === 'app'))) {
    throw new CliError(`error: container ${container} is not valid for pod ${pod.name}`);
  }
  return podLogFile(runDir(), pod.name, proxy ? 'istio-proxy' : 'app');
}

/** Whether the pod is still in the running mesh. */
function stillRunning(pod: PodState): boolean {
  try {
    return readMeshState().pods.some((p) => p.name === pod.name && p.namespace === pod.namespace);
  } catch {
    return false;
  }
}

async function follow(file: string, from: number, pod: PodState): Promise<void> {
  let offset = from;
  const buf = Buffer.alloc(64 * 1024);
  while (stillRunning(pod)) {
    const size = existsSync(file) ? statSync(file).size : 0;
    if (size < offset) offset = 0; // truncated: start over, as tail -F
    if (size > offset) {
      const fd = openSync(file, 'r');
      try {
        for (let n; (n = readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n) process.stdout.write(Buffer.from(buf.subarray(0, n)));
      } finally {
        closeSync(fd);
      }
    }
    await sleep(FOLLOW_INTERVAL_MS);
  }
}

async function logs(ref: string, flags: LogsFlags): Promise<void> {
  const pod = resolvePod(readMeshState(), ref, flags.namespace);
  const file = logFileOf(pod, flags.container);
  const text = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
  process.stdout.write(lastLines(text.toString('utf8'), flags.tail));
  if (flags.follow) await follow(file, text.length, pod);
}

function tailCount(v: string): number {
  if (!/^-?\d+$/.test(v)) throw new CliError(`error: invalid argument "${v}" for "--tail" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** Adds `logs`. */
export function registerLogsCommand(program: Command): void {
  program.command('logs <pod>').description('print a pod\'s log (POD[.NS], deploy/NAME[.NS]); -c istio-proxy for its proxy, -f to follow')
    .option('-n, --namespace <ns>', 'namespace')
    .option('-c, --container <name>', 'the app container (default) or istio-proxy')
    .option('-f, --follow', 'keep printing what the container writes (until interrupted)')
    .option('--tail <lines>', 'only the last N lines (-1: all)', tailCount, -1)
    .action(logs);
}
