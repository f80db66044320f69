// What the book's bin/chaos.sh does, for the CLI (`strait chaos catalog 500 50`, `... delete`):
// the /blowup request bodies, and sending one to every catalog instance.
import { httpCall, type UpstreamResponse } from '../lib/upstream-client.js';
import type { Blowup } from './chaos.js';

/** A chaos.sh command: a blowup to set, or one to delete. */
export type ChaosCommand =
  | { action: 'set'; blowup: Blowup }
  | { action: 'delete'; type: string };

/**
 * Parses chaos.sh's arguments: "500 [percentage=100]" and "500 delete" (which, as chaos.sh, posts
 * {"active":false,"type":"500"}); also "drop [percentage]", "latency [ms]", "delete [type=500]" (DELETE /blowup).
 */
export function parseChaosArgs(args: readonly string[]): ChaosCommand {
  const [first, second] = args;
  if (first === 'delete') return { action: 'delete', type: second ?? '500' };
  if ((first === '500' || first === 'drop') && second === 'delete') return { action: 'set', blowup: { active: false, type: first } };
  if (first === '500' || first === 'drop') {
    const percentage = Number(second ?? 100);
    if (!Number.isFinite(percentage)) throw new Error(`chaos: percentage must be a number, got "${second}"`);
    return { action: 'set', blowup: { active: true, type: first, percentage } };
  }
  if (first === 'latency') {
    const blowup: Blowup = { active: true, type: 'latency' };
    if (second !== undefined) blowup.latencyMs = Number(second);
    return { action: 'set', blowup };
  }
  throw new Error(`chaos: expected 500|latency|drop|delete, got "${first ?? ''}"`);
}

/** Sends the command to each catalog base URL (e.g. http://127.0.0.1:3000), in parallel. */
export function sendChaos(command: ChaosCommand, baseUrls: readonly string[]): Promise<UpstreamResponse[]> {
  const body = JSON.stringify(command.action === 'set' ? command.blowup : { type: command.type });
  return Promise.all(baseUrls.map((base) => httpCall({ method: command.action === 'set' ? 'POST' : 'DELETE',
    url: `${base.replace(/\/$/, '')}/blowup`, headers: { 'content-type': 'application/json' }, body }, {})));
}
