// Test helper: runs the real curl client and returns status, headers and body.
// Every call is bounded by curl's own --max-time.
import { execFile } from 'node:child_process';

/** One curl result. */
export interface CurlResult {
  status: number;
  /** Response headers, lower-case names (last value wins). */
  headers: Record<string, string>;
  body: string;
  /** The raw header block. */
  raw: string;
}

/** Runs `curl -s -i ARGS... URL` (HTTP/1.1 unless args say otherwise). */
export function curl(url: string, args: string[] = [], maxTimeS = 10): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-i', '--max-time', String(maxTimeS), ...args, url], { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => {
        if (err && stdout === '') {
          reject(err);
          return;
        }
        const blocks = stdout.split('\r\n\r\n');
        // Skip 1xx blocks (100 Continue).
        let i = 0;
        while (i < blocks.length - 1 && /^HTTP\/\S+ 1\d\d/.test(blocks[i])) i++;
        const raw = blocks[i];
        const body = blocks.slice(i + 1).join('\r\n\r\n');
        const lines = raw.split('\r\n');
        const status = Number(lines[0].split(' ')[1]);
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          if (c > 0) headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
        }
        resolve({ status, headers, body, raw });
      });
  });
}
