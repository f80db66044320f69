// ROUND_ROBIN: plain rotation when weights are equal, Envoy's EDF schedule when they differ
// (host i gets weight_i / sum(weights) of the picks, interleaved).
import type { HostImpl } from '../host.js';
import { EdfScheduler } from './edf.js';
import { sameWeights, type HostPicker } from './types.js';

/** Rotates through hosts; starts at a random offset so many proxies do not hit the same host first. */
class UnweightedRoundRobin implements HostPicker {
  private index: number;

  constructor(private readonly hosts: readonly HostImpl[]) {
    this.index = Math.floor(Math.random() * hosts.length);
  }

  pick(): HostImpl {
    const hosts = this.hosts;
    const h = hosts[this.index % hosts.length];
    this.index = (this.index + 1) % hosts.length;
    return h;
  }
}

function staticWeight(h: HostImpl): number {
  return h.weight;
}

/** Smooth weighted rotation through an EDF scheduler with fixed weights. */
class WeightedRoundRobin implements HostPicker {
  private readonly edf = new EdfScheduler<HostImpl>();

  constructor(hosts: readonly HostImpl[]) {
    for (const h of hosts) this.edf.add(h.weight, h);
    // As Envoy: a random number of initial picks so proxies do not start in lockstep.
    const skip = Math.floor(Math.random() * hosts.length);
    for (let i = 0; i < skip; i++) this.edf.pickAndAdd(staticWeight);
  }

  pick(): HostImpl {
    return this.edf.pickAndAdd(staticWeight)!;
  }
}

/** A round-robin picker for `hosts` (non-empty). */
export function roundRobinPicker(hosts: readonly HostImpl[]): HostPicker {
  return sameWeights(hosts) ? new UnweightedRoundRobin(hosts) : new WeightedRoundRobin(hosts);
}
