// `strait install --set profile=NAME --set meshConfig.*=...` and `strait verify-install`, as istioctl's: install saves
// the profile and settings `strait up` runs; verify-install checks the running mesh has each of its parts ready.
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { PROFILES, installedProfile, saveInstall, type InstallSettings } from '../../mesh/local/profiles.js';
import { meshConfigOverrides } from '../../pilot/model/mesh-config-input.js';
import { readMeshState } from '../../mesh/local/state.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** istioctl's --set value typing: true/false, numbers, else text. */
function typedValue(v: string): unknown {
  if (v === 'true' || v === 'false') return v === 'true';
  return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

/** Sets `value` at a dotted `path` of `into`. */
function setPath(into: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = into;
  for (const k of path.slice(0, -1)) {
    const next = at[k];
    at = (at[k] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = value;
}

const SUPPORTED_SET = `profile=${Object.keys(PROFILES).join('|')}, meshConfig.<field> (outboundTrafficPolicy.mode, accessLogFile, ` +
  'accessLogEncoding, accessLogFormat, enableTracing, defaultConfig.tracing.sampling, ...), values.pilot.traceSampling';

/** The install settings of istioctl-style --set flags; an unsupported key or value is a CliError naming what is supported. */
export function installSettings(sets: readonly string[]): InstallSettings {
  const settings: InstallSettings = { profile: 'default' };
  const meshConfig: Record<string, unknown> = {};
  for (const kv of sets) {
    const eq = kv.indexOf('=');
    const [key, raw] = eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
    if (key === 'profile' && eq >= 0) settings.profile = raw;
    else if (key.startsWith('meshConfig.') && eq >= 0 && key.length > 'meshConfig.'.length) setPath(meshConfig, key.split('.').slice(1), typedValue(raw));
    else if (key === 'values.pilot.traceSampling' && eq >= 0) {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) {
        throw new CliError(`Error: --set ${kv}: values.pilot.traceSampling must be a percentage from 0 to 100`);
      }
      settings.values = { pilot: { traceSampling: n } };
    } else throw new CliError(`Error: unsupported --set ${kv} (supported: ${SUPPORTED_SET})`);
  }
  if (!PROFILES[settings.profile]) {
    throw new CliError(`Error: unknown profile "${settings.profile}"; available profiles: ${Object.keys(PROFILES).join(', ')}`);
  }
  const { errors } = meshConfigOverrides(meshConfig);
  if (errors.length > 0) throw new CliError(errors.map((e) => `Error: --set meshConfig.${e.path}: ${e.message}`).join('\n'));
  if (Object.keys(meshConfig).length > 0) settings.meshConfig = meshConfig;
  return settings;
}

function install(flags: { set?: string[] }): void {
  const settings = installSettings(flags.set ?? []);
  const p = saveInstall(settings);
  const parts = ['✔ Strait core installed', '✔ Istiod (strait pilot) installed'];
  if (p.ingress) parts.push('✔ Ingress gateways installed');
  if (p.egress) parts.push('✔ Egress gateways installed');
  parts.push(`✔ Installation complete: \`strait up\` runs the ${settings.profile} profile`);
  process.stdout.write(`${parts.join('\n')}\n`);
}

async function ready(url: string): Promise<boolean> {
  const r = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  return r?.status === 200;
}

async function verifyInstall(): Promise<void> {
  const s = readMeshState();
  const profile = installedProfile();
  const lines: string[] = [];
  let failed = 0;
  const check = (ok: boolean, what: string): void => {
    lines.push(`${ok ? '✔' : '✘'} ${what}${ok ? ' checked successfully' : ' is not ready'}`);
    if (!ok) failed++;
  };
  check(await ready(`http://${s.monitoringAddress}/debug/syncz`), 'Deployment: istiod.istio-system');
  const gateways = [profile.ingress ? 'istio-ingressgateway' : '', profile.egress ? 'istio-egressgateway' : ''].filter(Boolean);
  for (const g of gateways) {
    const pod = s.pods.find((p) => p.deployment === g && p.namespace === 'istio-system');
    check(pod !== undefined && await ready(`http://${pod.podIp}:${pod.adminPort}/ready`), `Deployment: ${g}.istio-system`);
  }
  lines.push(`Checked ${gateways.length + 1} Strait Deployments`);
  lines.push(failed === 0 ? '✔ Strait is installed and verified successfully' : `Error: ${failed} Strait component(s) failed the check`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failed > 0) process.exitCode = 1;
}

/** Adds `install` and `verify-install`. */
export function registerInstallCommands(program: Command): void {
  program.command('install').description('choose the install profile `strait up` runs: minimal, default (+ ingress gateway), demo (+ egress gateway)')
    .option('--set <key=value>', 'profile=NAME, meshConfig.<field>=VALUE, values.pilot.traceSampling=N (repeatable, as istioctl)', collect)
    .option('-y, --skip-confirmation', 'accepted for istioctl compatibility (nothing to confirm)')
    .action(install);
  program.command('verify-install').description('check that the running mesh has every part of its profile ready').action(verifyInstall);
}
