// RANDOM: a uniformly random host; as Envoy's random balancer, weights are not used.
import type { HostImpl } from '../host.js';
import type { HostPicker } from './types.js';

class RandomPicker implements HostPicker {
  constructor(private readonly hosts: readonly HostImpl[]) {}

  pick(): HostImpl {
    return this.hosts[Math.floor(Math.random() * this.hosts.length)];
  }
}

/** A random picker for `hosts` (non-empty). */
export function randomPicker(hosts: readonly HostImpl[]): HostPicker {
  return new RandomPicker(hosts);
}
