// Loopback addresses for local pods: each pod gets its own 127.x address for its proxy (so
// sidecars use Istio's ports side by side) and a second one where its app listens.

/** The default pod network: pods on 127.77.a.b, their apps on 127.78.a.b. */
export const DEFAULT_POD_NETWORK = 77;

/** Pod n (0-based) -> its proxy address 127.N.a.b and its app address 127.(N+1).a.b (N: the pod network). */
export class AddressPool {
  private next = 1;

  constructor(private readonly network = DEFAULT_POD_NETWORK) {}

  allocate(): { podIp: string; appAddress: string } {
    const n = this.next++;
    if (n > 65_000) throw new Error('local mesh: no loopback addresses left');
    const tail = `${Math.floor(n / 250)}.${(n % 250) + 1}`;
    return { podIp: `127.${this.network}.${tail}`, appAddress: `127.${this.network + 1}.${tail}` };
  }
}
