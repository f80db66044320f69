// `strait install --set profile=NAME` and `strait verify-install`, as istioctl's: install saves
// the profile `strait up` runs; verify-install checks the running mesh has each of its parts ready.
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { MESH_CONFIG_SETTINGS, PROFILES, installedProfile, saveProfile, type MeshConfigSettings } from '../../mesh/local/profiles.js';
import { readMeshState } from '../../mesh/local/state.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

const meshSetting = (key: string): typeof MESH_CONFIG_SETTINGS[number] | undefined =>
  MESH_CONFIG_SETTINGS.find((k) => key === `meshConfig.${k}`);

function install(flags: { set?: string[] }): void {
  let name = 'default';
  const meshConfig: MeshConfigSettings = {};
  for (const kv of flags.set ?? []) {
    const [key, value] = [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)];
    const setting = meshSetting(key);
    if (kv.includes('=') && setting !== undefined) {
      meshConfig[setting] = value;
      continue;
    }
    if (key !== 'profile' || !kv.includes('=')) {
      throw new CliError(`Error: unsupported --set ${kv} (only profile=${Object.keys(PROFILES).join('|')}, ${MESH_CONFIG_SETTINGS.map((k) => `meshConfig.${k}`).join(', ')})`);
    }
    name = value;
  }
  const p = PROFILES[name];
  if (!p) throw new CliError(`Error: unknown profile "${name}"; available profiles: ${Object.keys(PROFILES).join(', ')}`);
  saveProfile(name, meshConfig);
  const parts = ['✔ Strait core installed', '✔ Istiod (strait pilot) installed'];
  if (p.ingress) parts.push('✔ Ingress gateways installed');
  if (p.egress) parts.push('✔ Egress gateways installed');
  parts.push(`✔ Installation complete: \`strait up\` runs the ${name} profile`);
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
    .option('--set <key=value>', 'profile=NAME, meshConfig.accessLogFile=PATH, meshConfig.accessLogFormat=FORMAT (repeatable, as istioctl)', collect)
    .option('-y, --skip-confirmation', 'accepted for istioctl compatibility (nothing to confirm)')
    .action(install);
  program.command('verify-install').description('check that the running mesh has every part of its profile ready').action(verifyInstall);
}
