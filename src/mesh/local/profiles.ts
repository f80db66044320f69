// Istio's install profiles as the local mesh reads them (minimal: the control plane; default:
// + ingress gateway; demo: + egress gateway, 100% trace sampling, access logs), saved by `strait install` in $STRAIT_HOME
// with the meshConfig settings given there (access log file and format).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { straitHome } from './state.js';

/**
 * A profile: which gateways run, the proxies' trace sampling percent (values.pilot.traceSampling),
 * meshConfig.accessLogFile ('' = none) and meshConfig.accessLogFormat ('' = Istio's).
 */
export interface Profile {
  name: string; ingress: boolean; egress: boolean; traceSampling: number; accessLogFile: string; accessLogFormat: string;
}

/** The meshConfig settings `strait install --set meshConfig.<key>=...` takes. */
export const MESH_CONFIG_SETTINGS = ['accessLogFile', 'accessLogFormat'] as const;
export type MeshConfigSettings = Partial<Record<typeof MESH_CONFIG_SETTINGS[number], string>>;

export const PROFILES: Readonly<Record<string, Profile>> = {
  minimal: { name: 'minimal', ingress: false, egress: false, traceSampling: 1, accessLogFile: '', accessLogFormat: '' },
  default: { name: 'default', ingress: true, egress: false, traceSampling: 1, accessLogFile: '', accessLogFormat: '' },
  demo: { name: 'demo', ingress: true, egress: true, traceSampling: 100, accessLogFile: '/dev/stdout', accessLogFormat: '' },
};

/** The book installs the demo profile; `strait up` runs it unless `strait install` chose another. */
export const DEFAULT_PROFILE = 'demo';

const file = (): string => join(straitHome(), 'install.json');

export function saveProfile(name: string, meshConfig: MeshConfigSettings = {}): Profile {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown profile "${name}" (one of ${Object.keys(PROFILES).join(', ')})`);
  mkdirSync(straitHome(), { recursive: true });
  const saved = Object.keys(meshConfig).length > 0 ? { profile: name, meshConfig } : { profile: name };
  writeFileSync(file(), JSON.stringify(saved, null, 2));
  return { ...p, ...meshConfig };
}

export function installedProfile(): Profile {
  try {
    const saved = JSON.parse(readFileSync(file(), 'utf8')) as { profile?: string; meshConfig?: MeshConfigSettings };
    const p = PROFILES[saved.profile ?? ''] ?? PROFILES[DEFAULT_PROFILE]!;
    const settings = Object.fromEntries(MESH_CONFIG_SETTINGS.flatMap((k) => {
      const v = saved.meshConfig?.[k];
      return typeof v === 'string' ? [[k, v]] : [];
    }));
    return { ...p, ...settings };
  } catch {
    return PROFILES[DEFAULT_PROFILE]!;
  }
}
