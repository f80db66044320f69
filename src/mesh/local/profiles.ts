// Istio's install profiles as the local mesh reads them (minimal: the control plane; default:
// + ingress gateway; demo: + egress gateway, 100% trace sampling, access logs), saved by `strait install` in $STRAIT_HOME.
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

export function saveProfile(name: string): Profile {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown profile "${name}" (one of ${Object.keys(PROFILES).join(', ')})`);
  mkdirSync(straitHome(), { recursive: true });
  writeFileSync(file(), JSON.stringify({ profile: name }, null, 2));
  return p;
}

export function installedProfile(): Profile {
  try {
    const name = (JSON.parse(readFileSync(file(), 'utf8')) as { profile?: string }).profile;
    return PROFILES[name ?? ''] ?? PROFILES[DEFAULT_PROFILE]!;
  } catch {
    return PROFILES[DEFAULT_PROFILE]!;
  }
}
