// The proxy's own address as Envoy's LocalInfo gives it (the first non-loopback IPv4 interface
// address, else 127.0.0.1): what internal requests such as shadows append to x-forwarded-for.
import { networkInterfaces } from 'node:os';

let cached: string | undefined;

/** The local node address, looked up once. */
export function localNodeAddress(): string {
  if (cached !== undefined) return cached;
  cached = '127.0.0.1';
  for (const list of Object.values(networkInterfaces())) {
    const v4 = list?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4 !== undefined) {
      cached = v4.address;
      break;
    }
  }
  return cached;
}
