// Test helper: `openssl s_client` to 127.0.0.1:<port> (or host:port) sending one HTTP/1.1 request, its
// output collected; every run is bounded to 10 s.
import { spawn } from 'node:child_process';

/** What s_client printed and how it exited. */
export interface SClientResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs `openssl s_client -connect 127.0.0.1:<port> ARGS...` (or `host:port` given as a string) and writes `request` to it. */
export function sClient(port: number | string, args: string[], request = 'GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n'): Promise<SClientResult> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', typeof port === 'number' ? `127.0.0.1:${port}` : port, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(request);
  });
}
