// The consistent-hash policies of a Cluster (lb_policy RING_HASH / MAGLEV): their settings from
// ring_hash_lb_config, maglev_lb_config and common_lb_config, checked as Envoy checks them.
import {
  Cluster_LbPolicy, Cluster_RingHashLbConfig_HashFunction, type Cluster as ClusterConfig,
} from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { PathError } from '../../bootstrap/config-error.js';
import type { Scope } from '../../stats/store.js';
import { DEFAULT_MAGLEV_TABLE_SIZE, isPrime, maglevFactory } from './maglev.js';
import { DEFAULT_MAX_RING_SIZE, DEFAULT_MIN_RING_SIZE, ringHashFactory } from './ring-hash.js';
import type { HashPickerFactory } from './types.js';

/** Envoy's upper bounds (protoc-gen-validate rules of the config fields). */
const MAX_RING_SIZE_LIMIT = 8388608;
const MAX_MAGLEV_TABLE_SIZE = 5000011;

/**
 * The picker factory for a RING_HASH or MAGLEV cluster, or null for other policies. `scope` is the
 * cluster's stats scope (`cluster.<stat_name>`): the ring_hash_lb.* / maglev_lb.* gauges go there.
 * Config errors are pushed with paths relative to the cluster.
 */
export function consistentHashPickerFactory(config: ClusterConfig, scope: Scope | null,
  errors: PathError[]): HashPickerFactory | null {
  const useHostname = config.commonLbConfig?.consistentHashingLbConfig?.useHostnameForHashing ?? false;
  if (config.lbPolicy === Cluster_LbPolicy.RING_HASH) {
    const rc = config.lbConfig.case === 'ringHashLbConfig' ? config.lbConfig.value : undefined;
    const min = Number(rc?.minimumRingSize ?? BigInt(DEFAULT_MIN_RING_SIZE));
    const max = Number(rc?.maximumRingSize ?? BigInt(DEFAULT_MAX_RING_SIZE));
    if (min > MAX_RING_SIZE_LIMIT) {
      errors.push({ path: ['ring_hash_lb_config', 'minimum_ring_size'],
        message: `value must be less than or equal to ${MAX_RING_SIZE_LIMIT}` });
      return null;
    }
    if (max > MAX_RING_SIZE_LIMIT) {
      errors.push({ path: ['ring_hash_lb_config', 'maximum_ring_size'],
        message: `value must be less than or equal to ${MAX_RING_SIZE_LIMIT}` });
      return null;
    }
    if (min > max) {
      errors.push({ path: ['ring_hash_lb_config'], message: `ring hash: minimum_ring_size (${min}) > maximum_ring_size (${max})` });
      return null;
    }
    const ringScope = scope?.scope('ring_hash_lb');
    const stats = ringScope === undefined ? null : {
      size: ringScope.gauge('size', 'never'),
      min_hashes_per_host: ringScope.gauge('min_hashes_per_host', 'never'),
      max_hashes_per_host: ringScope.gauge('max_hashes_per_host', 'never'),
    };
    return ringHashFactory({ minRingSize: Math.max(1, min), maxRingSize: Math.max(1, max),
      murmur: rc?.hashFunction === Cluster_RingHashLbConfig_HashFunction.MURMUR_HASH_2, useHostname }, stats);
  }
  if (config.lbPolicy === Cluster_LbPolicy.MAGLEV) {
    const mc = config.lbConfig.case === 'maglevLbConfig' ? config.lbConfig.value : undefined;
    const size = Number(mc?.tableSize ?? BigInt(DEFAULT_MAGLEV_TABLE_SIZE));
    if (size > MAX_MAGLEV_TABLE_SIZE) {
      errors.push({ path: ['maglev_lb_config', 'table_size'],
        message: `value must be less than or equal to ${MAX_MAGLEV_TABLE_SIZE}` });
      return null;
    }
    if (!isPrime(size)) {
      errors.push({ path: ['maglev_lb_config', 'table_size'], message: 'The table size of maglev must be prime number' });
      return null;
    }
    const maglevScope = scope?.scope('maglev_lb');
    const stats = maglevScope === undefined ? null : {
      min_entries_per_host: maglevScope.gauge('min_entries_per_host', 'never'),
      max_entries_per_host: maglevScope.gauge('max_entries_per_host', 'never'),
    };
    return maglevFactory(size, useHostname, stats);
  }
  return null;
}
