// Test helper: runs the `strait` command with $STRAIT_HOME set (the local mesh's state folder)
// and returns its exit code and output; bounded by a timeout.
import { execFile } from 'node:child_process';
import { STRAIT_BIN } from './proxy-process.js';

export interface CliResult { code: number; stdout: string; stderr: string }

export function straitWithHome(home: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [STRAIT_BIN, ...args], { env: { ...process.env, STRAIT_HOME: home }, timeout: timeoutMs },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}
