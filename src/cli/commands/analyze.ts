// `strait analyze [-f FILE|DIR ...] [-n NS | -A] [--use-kube=false]`: like `istioctl analyze`, reports
// cross-resource problems (IST codes) in the running local mesh (its config directory, and the objects its
// pilot could not translate: IST0001 from /debug/push_status) together with the files given; exit 79 on errors.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { CliError } from '../cli-error.js';
import { loadConfigText, formatLoadError } from '../../pilot/config/yaml-loader.js';
import type { ConfigObject } from '../../pilot/config/object.js';
import { readMeshState, type MeshState } from '../../mesh/local/state.js';
import { manifestFiles } from '../manifest-files.js';
import { analyze } from '../../pilot/analysis/index.js';
import { formatMessage, sortMessages, type AnalysisMessage } from '../../pilot/analysis/message.js';
import { pushStatusMessages } from '../../pilot/analysis/push-status-messages.js';
import type { PushStatusDocument } from '../../pilot/server/push-status.js';
import { baseUrl, fetchJson } from '../istioctl/admin-client.js';

/** istioctl's exit codes: analyzers found issues, and some input could not be parsed. */
export const EXIT_ANALYZER_FOUND_ISSUES = 79;
export const EXIT_DATA_ERROR = 65;
const ANALYSIS_DOCS = 'https://istio.io/latest/docs/reference/config/analysis';

const expand = (path: string): string[] => manifestFiles(path, 'strait analyze');

/** Loads every file; syntax errors come back as file:line:col lines. */
export function loadInputs(paths: readonly string[]): { objects: ConfigObject[]; parseErrors: string[] } {
  const objects: ConfigObject[] = [];
  const parseErrors: string[] = [];
  for (const file of paths.flatMap(expand)) {
    const res = loadConfigText(readFileSync(file, 'utf8'), file);
    objects.push(...res.objects);
    parseErrors.push(...res.errors.map(formatLoadError));
  }
  return { objects, parseErrors };
}

/** The running mesh's state, or undefined when there is none. */
function runningMesh(): MeshState | undefined {
  try {
    return readMeshState();
  } catch {
    return undefined;
  }
}

/**
 * IST0001 for each object the mesh's pilot leaves out of the config it pushes because it could not
 * translate it (files named as analyze reads them, under the config directory).
 */
async function pilotMessages(mesh: MeshState): Promise<AnalysisMessage[]> {
  return pushStatusMessages(await fetchJson(`${baseUrl(mesh.monitoringAddress)}/debug/push_status`, 'pilot') as Partial<PushStatusDocument>, mesh.configDir);
}

interface AnalyzeOpts {
  filename?: string[];
  namespace: string;
  allNamespaces?: boolean;
  useKube: boolean;
}

/** istioctl's bool flag: `--use-kube`, `--use-kube=false`. */
function bool(value: string): boolean {
  if (/^(true|1|t)$/i.test(value)) return true;
  if (/^(false|0|f)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected true or false');
}

/** Adds the `analyze` subcommand. */
export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description('analyze Istio configuration and print validation messages (like istioctl analyze): the running mesh\'s objects and the files given')
    .option('-f, --filename <path>', 'file or directory to analyze (repeatable), with the running mesh\'s objects unless --use-kube=false', (v: string, prev: string[] = []) => [...prev, v])
    .option('-n, --namespace <ns>', 'namespace for objects without one, and the one analyzed', 'default')
    .option('-A, --all-namespaces', 'analyze all namespaces')
    .option('--use-kube [bool]', 'analyze the running mesh\'s objects too; --use-kube=false analyzes the files only', bool, true)
    .action(async (opts: AnalyzeOpts) => {
      const files = opts.filename ?? [];
      const mesh = opts.useKube ? runningMesh() : undefined;
      if (files.length === 0 && mesh === undefined) {
        throw new CliError(opts.useKube ? 'no input: give -f FILE|DIR or start a mesh with strait up' : 'no input: give -f FILE|DIR (--use-kube=false analyzes files only)');
      }
      const fromMesh = mesh ? loadInputs([mesh.configDir]) : { objects: [], parseErrors: [] };
      const fromFiles = loadInputs(files);
      // The files' objects come last: one of the same kind, namespace and name replaces the mesh's (analyze's normalize).
      const objects = [...fromMesh.objects, ...fromFiles.objects];
      const parseErrors = [...fromMesh.parseErrors, ...fromFiles.parseErrors];
      for (const e of parseErrors) process.stderr.write(`Error(s) adding files: ${e}\n`);
      const all = Boolean(opts.allNamespaces);
      const target = all ? 'all namespaces' : `namespace: ${opts.namespace}`;
      let messages = analyze(objects, { namespace: opts.namespace, allNamespaces: all });
      if (mesh) {
        const fromPilot = await pilotMessages(mesh).catch((e: Error) => {
          process.stderr.write(`Warning: ${e.message.replace(/^Error: /, '')}\n`);
          return [];
        });
        messages = sortMessages([...messages, ...fromPilot.filter((m) => all || m.namespace === opts.namespace)]);
      }
      for (const m of messages) process.stdout.write(`${formatMessage(m)}\n`);
      if (messages.some((m) => m.level === 'Error')) {
        throw new CliError(
          `Error: Analyzers found issues when analyzing ${target}.\nSee ${ANALYSIS_DOCS} for more information about causes and resolutions.`,
          EXIT_ANALYZER_FOUND_ISSUES,
        );
      }
      if (parseErrors.length > 0) throw new CliError("Error: Some files couldn't be parsed.", EXIT_DATA_ERROR);
      if (messages.length === 0) process.stderr.write(`\u2714 No validation issues found when analyzing ${target}.\n`);
    });
}
