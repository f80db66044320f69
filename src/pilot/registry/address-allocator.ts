// Addresses of local-mode workloads (no kubelet): a pluggable allocator; the default hands out
// loopback addresses 127.1.0.1, 127.1.0.2, ... per workload key, stable while the key lives.
export interface AddressAllocator {
  /** The address of workload `key` (`ns/name`); the same key always gets the same address. */
  allocate(key: string): string;
  release(key: string): void;
}

/** Sequential loopback addresses from 127.1.0.1 on, skipping .0 and .255; never 127.0.0.1. */
export class LoopbackAllocator implements AddressAllocator {
  private readonly byKey = new Map<string, string>();
  private next = 0;

  allocate(key: string): string {
    const have = this.byKey.get(key);
    if (have) return have;
    const n = this.next++;
    const y = (n % 254) + 1;
    const rest = Math.floor(n / 254);
    const x = rest % 256;
    const w = 1 + Math.floor(rest / 256);
    if (w > 255) throw new Error('loopback address space exhausted');
    const addr = `127.${w}.${x}.${y}`;
    this.byKey.set(key, addr);
    return addr;
  }

  release(key: string): void {
    this.byKey.delete(key);
  }
}
