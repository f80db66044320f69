// Istio's install profiles as the local mesh reads them (minimal: the control plane; default:
// + ingress gateway; demo: + egress gateway, 100% trace sampling, access logs), saved by `strait install` in $STRAIT_HOME
// with its --set meshConfig.* and values.pilot.traceSampling settings.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { straitHome } from './state.js';

/**
 * A profile: which gateways run, the proxies' trace sampling percent (values.pilot.traceSampling)
 * and meshConfig.accessLogFile ('' = none).
 */
export interface Profile { name: string; ingress: boolean; egress: boolean; traceSampling: number; accessLogFile: string }

export const PROFILES: Readonly<Record<string, Profile>> = {
  minimal: { name: 'minimal', ingress: false, egress: false, traceSampling: 1, accessLogFile: '' },
  default: { name: 'default', ingress: true, egress: false, traceSampling: 1, accessLogFile: '' },
  demo: { name: 'demo', ingress: true, egress: true, traceSampling: 100, accessLogFile: '/dev/stdout' },
};

/** The book installs the demo profile; `strait up` runs it unless `strait install` chose another. */
export const DEFAULT_PROFILE = 'demo';

const file = (): string => join(straitHome(), 'install.json');

/** What `strait install` saved: the profile, the meshConfig object of its --set meshConfig.*, values.pilot.traceSampling. */
export interface InstallSettings {
  profile: string;
  meshConfig?: Record<string, unknown>;
  values?: { pilot?: { traceSampling?: number } };
}

export function saveInstall(settings: InstallSettings): Profile {
  const p = PROFILES[settings.profile];
  if (!p) throw new Error(`unknown profile "${settings.profile}" (one of ${Object.keys(PROFILES).join(', ')})`);
  mkdirSync(straitHome(), { recursive: true });
  writeFileSync(file(), JSON.stringify(settings, null, 2));
  return p;
}

function installed(): InstallSettings {
  try {
    return JSON.parse(readFileSync(file(), 'utf8')) as InstallSettings;
  } catch {
    return { profile: DEFAULT_PROFILE };
  }
}

/** The profile `strait up` runs, its trace sampling as values.pilot.traceSampling set it. */
export function installedProfile(): Profile {
  const s = installed();
  const p = PROFILES[s.profile ?? ''] ?? PROFILES[DEFAULT_PROFILE]!;
  const sampling = s.values?.pilot?.traceSampling;
  return typeof sampling === 'number' ? { ...p, traceSampling: sampling } : p;
}

/** The meshConfig object `strait install --set meshConfig.*` saved ({} when none). */
export function installedMeshConfig(): Record<string, unknown> {
  return installed().meshConfig ?? {};
}
