// IST0001 InternalError for each object pilot leaves out of the config it pushes (its /debug/push_status
// configErrors): what `strait analyze` and the dashboard's Istio config view report beside the analyzers' messages.
import { join } from 'node:path';
import type { PushStatusDocument } from '../server/push-status.js';
import { internalError, type AnalysisMessage } from './message.js';

/** The messages of a push_status document; files are named under `configDir`, as analyze reads them. */
export function pushStatusMessages(status: Partial<PushStatusDocument>, configDir: string): AnalysisMessage[] {
  return (status.configErrors ?? []).map((e) => internalError({ ...e, file: e.file === undefined ? undefined : join(configDir, e.file) },
    `pilot could not translate this resource and leaves it out of the config it pushes to proxies: ${e.message}`));
}
