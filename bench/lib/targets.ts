// The proxies compared by bench/proxy-bench: how to start each one in front of the upstream
// (config written to a temp dir, one worker each) and the URL the load generator hits.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { haproxyCfg, proxyNginxConf, straitBootstrapYaml } from './configs.js';
import { freePort, startProcess, type ManagedProcess } from './processes.js';

/** Every target the benchmark knows, in the order it runs them. */
export const TARGET_NAMES = ['direct', 'strait', 'nginx', 'haproxy', 'http-proxy', 'node-relay'] as const;
/** One of TARGET_NAMES. */
export type TargetName = (typeof TARGET_NAMES)[number];

/** What the targets need from the benchmark run. */
export interface TargetEnv {
  /** Scratch directory for configs. */
  dir: string;
  upstreamPort: number;
  /** Size of the upstream's body, to recognise a working proxy. */
  bodyBytes: number;
  repoRoot: string;
  nginxPath: string;
  haproxyPath: string | undefined;
  /** `user` for nginx.conf when running as root, so workers stay the current user. */
  nginxUser: string | undefined;
}

/** A started target: where to send load, and the process to charge (none for direct). */
export interface StartedTarget {
  url: string;
  proc?: ManagedProcess;
}

const READY_TIMEOUT_MS = 15_000;

/** Starts a target and waits until it serves the upstream's body; throws with the reason if not. */
export async function startTarget(name: TargetName, env: TargetEnv): Promise<StartedTarget> {
  if (name === 'direct') return { url: `http://127.0.0.1:${env.upstreamPort}/` };
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const proc = await spawnTarget(name, port, env);
  try {
    await proc.waitReady(url, env.bodyBytes, READY_TIMEOUT_MS);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url, proc };
}

async function spawnTarget(name: Exclude<TargetName, 'direct'>, port: number, env: TargetEnv): Promise<ManagedProcess> {
  switch (name) {
    case 'strait': {
      const cli = path.join(env.repoRoot, 'bin', 'strait.js');
      if (!existsSync(cli)) throw new Error('bin/strait.js not found (the strait CLI is not built yet)');
      const config = path.join(env.dir, 'strait-bootstrap.yaml');
      writeFileSync(config, straitBootstrapYaml(port, await freePort(), env.upstreamPort));
      // Run through its shebang, as `npx strait` does, so the shim's node flags apply.
      return startProcess('strait', cli, ['proxy', '-c', config, '--concurrency', '1']);
    }
    case 'nginx': {
      const prefix = path.join(env.dir, 'nginx-proxy');
      mkdirSync(prefix, { recursive: true });
      const conf = path.join(prefix, 'nginx.conf');
      writeFileSync(conf, proxyNginxConf(prefix, port, env.upstreamPort, env.nginxUser));
      return startProcess('nginx', env.nginxPath, ['-p', prefix + '/', '-c', conf, '-e', 'stderr']);
    }
    case 'haproxy': {
      if (env.haproxyPath === undefined) throw new Error('haproxy not installed (apt-get install -y haproxy)');
      const cfg = path.join(env.dir, 'haproxy.cfg');
      writeFileSync(cfg, haproxyCfg(port, env.upstreamPort));
      return startProcess('haproxy', env.haproxyPath, ['-db', '-f', cfg]);
    }
    case 'http-proxy': {
      const script = fileURLToPath(new URL('../http-proxy-server.js', import.meta.url));
      return startProcess('http-proxy', process.execPath,
        [script, '--port', String(port), '--target', `http://127.0.0.1:${env.upstreamPort}`]);
    }
    case 'node-relay': {
      const script = fileURLToPath(new URL('../node-relay-server.js', import.meta.url));
      return startProcess('node-relay', process.execPath, [script, '--port', String(port), '--upstream', String(env.upstreamPort)]);
    }
  }
}
