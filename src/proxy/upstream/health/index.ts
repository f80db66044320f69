// Active health checking for a cluster: builds the checker with the session kind its config names
// (http_health_check, tcp_health_check or grpc_health_check).
import type { Scope } from '../../stats/store.js';
import type { HostImpl } from '../host.js';
import type { Clock } from './clock.js';
import type { HealthCheckSettings } from './health-check-config.js';
import { HealthChecker, type HealthCheckSession, type HealthCheckerOwner } from './health-checker.js';
import { GrpcHealthCheckSession } from './grpc-health-check.js';
import { HttpHealthCheckSession } from './http-health-check.js';
import { TcpHealthCheckSession } from './tcp-health-check.js';

export { parseHealthChecks, type HealthCheckSettings } from './health-check-config.js';
export { HealthChecker, HealthTransition, type HealthCheckerOwner } from './health-checker.js';
export { realClock, ManualClock, type Clock } from './clock.js';

/** The checker for `settings`; call start() once the cluster initialises. */
export function createHealthChecker(settings: HealthCheckSettings, clusterScope: Scope, owner: HealthCheckerOwner,
  clock: Clock, random: () => number): HealthChecker {
  const c = settings.checker;
  const make = (checker: HealthChecker, host: HostImpl): HealthCheckSession => {
    switch (c.kind) {
      case 'http': return new HttpHealthCheckSession(checker, host, c);
      case 'tcp': return new TcpHealthCheckSession(checker, host, c);
      default: return new GrpcHealthCheckSession(checker, host, c);
    }
  };
  return new HealthChecker(settings, clusterScope, owner, clock, random, make);
}
