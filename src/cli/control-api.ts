// Requests from the CLI to the running local mesh's control API, with the one error a user sees
// when `strait up` has gone away.
import type { MeshState } from '../mesh/local/state.js';
import { CliError } from './cli-error.js';

/** Fetches `path` from the mesh's control API; a mesh that does not answer is a CliError (exit 1). */
export async function fetchControl(s: MeshState, path: string, init: RequestInit = {}): Promise<Response> {
  return await fetch(`${s.controlUrl}${path}`, init).catch(() => {
    throw new CliError('error: the local mesh does not answer (is `strait up` still running?)');
  });
}
