// LEAST_REQUEST as Envoy: with equal weights, the best of `choice_count` random hosts (fewest
// active requests; power of two choices by default); with unequal weights, an EDF schedule whose
// weights are weight / (active_requests + 1)^active_request_bias, recomputed at each pick.
import type { HostImpl } from '../host.js';
import { EdfScheduler } from './edf.js';
import { sameWeights, type HostPicker, type PickerFactory } from './types.js';

/** Power of N choices over equally weighted hosts. */
class ChoiceOfN implements HostPicker {
  constructor(private readonly hosts: readonly HostImpl[], private readonly choices: number) {}

  pick(): HostImpl {
    const hosts = this.hosts;
    const n = hosts.length;
    let best = hosts[Math.floor(Math.random() * n)];
    for (let i = 1; i < this.choices; i++) {
      const h = hosts[Math.floor(Math.random() * n)];
      if (h.stats.rq_active < best.stats.rq_active) best = h;
    }
    return best;
  }
}

/** EDF with load-adjusted weights. */
class WeightedLeastRequest implements HostPicker {
  private readonly edf = new EdfScheduler<HostImpl>();
  private readonly weightOf: (h: HostImpl) => number;

  constructor(hosts: readonly HostImpl[], bias: number) {
    this.weightOf = bias === 1
      ? (h) => h.weight / (h.stats.rq_active + 1)
      : bias === 0 ? (h) => h.weight : (h) => h.weight / Math.pow(h.stats.rq_active + 1, bias);
    for (const h of hosts) this.edf.add(this.weightOf(h), h);
  }

  pick(): HostImpl {
    return this.edf.pickAndAdd(this.weightOf)!;
  }
}

/** A least-request picker factory with the cluster's choice_count and active_request_bias. */
export function leastRequestFactory(choiceCount: number, activeRequestBias: number): PickerFactory {
  const choices = Math.max(1, choiceCount);
  return (hosts) => (sameWeights(hosts) ? new ChoiceOfN(hosts, choices) : new WeightedLeastRequest(hosts,
    activeRequestBias));
}
