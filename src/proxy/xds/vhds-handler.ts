// VHDS over delta ADS: the virtual hosts of each route configuration that names VHDS, sent as
// `<route config>/<vhost>`, merged into that configuration's table by the RDS registry.
import type { VirtualHost } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { DecodedResource, DeltaNames, ResourceHandler } from '../../xds/client/index.js';
import { groupByNamespace, vhdsNamespace } from '../../xds/server/type-urls.js';
import type { RdsRegistry } from './rds-registry.js';

const sameList = (a: readonly VirtualHost[], b: readonly VirtualHost[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** Applies VHDS responses (the delta client hands over every virtual host held, each decoded once). */
export class VhdsHandler implements ResourceHandler {
  constructor(private readonly rds: RdsRegistry) {}

  apply(resources: readonly DecodedResource[], version: string, delta?: DeltaNames): string | null {
    const byConfig = groupByNamespace(resources, (r) => r.name);
    // A route configuration is complete once VHDS answered for it: with its virtual hosts, or its name removed (it has none).
    const answered = new Set<string>();
    for (const n of delta?.mentioned ?? []) answered.add(n).add(vhdsNamespace(n));
    const failures: string[] = [];
    for (const p of this.rds.vhdsProviders()) {
      const vhosts = (byConfig.get(p.name) ?? []).map((r) => r.message as VirtualHost);
      if (p.vhosts === null ? !answered.has(p.name) : sameList(p.vhosts, vhosts)) continue;
      const error = this.rds.completeWithVhosts(p, vhosts, version);
      if (error !== null) failures.push(error);
    }
    return failures.length > 0 ? failures.join(', ') : null;
  }
}
