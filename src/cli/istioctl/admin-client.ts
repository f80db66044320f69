// HTTP GET/POST against a local proxy's admin API or pilot's monitoring port, turning a refused
// connection or an error status into a CliError that names the address.
import { CliError } from '../cli-error.js';

/** Fetches `url` and returns its body; `what` names the peer in errors. */
export async function fetchText(url: string, what: string, method: 'GET' | 'POST' = 'GET'): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { method, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e instanceof Error ? e.message : String(e));
    throw new CliError(`Error: failed to reach ${what} at ${url}: ${cause}`);
  }
  const body = await res.text();
  if (!res.ok) throw new CliError(`Error: ${what} answered ${res.status} for ${url}: ${body.trim().split('\n')[0] ?? ''}`);
  return body;
}

/** Fetches and parses JSON. */
export async function fetchJson(url: string, what: string): Promise<unknown> {
  const text = await fetchText(url, what);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`Error: ${what} at ${url} did not answer JSON`);
  }
}

/** `http://HOST:PORT` for an address that may lack the scheme. */
export function baseUrl(address: string): string {
  return /^https?:\/\//.test(address) ? address.replace(/\/$/, '') : `http://${address}`;
}
