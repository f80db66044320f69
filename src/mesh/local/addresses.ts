// Loopback addresses for local pods: each pod gets its own 127.x address for its proxy (so
// sidecars use Istio's ports side by side) and a second one where its app listens.

/** Pod n (0-based) -> its proxy address 127.77.a.b and its app address 127.78.a.b. */
export class AddressPool {
  private next = 1;

  allocate(): { podIp: string; appAddress: string } {
    const n = this.next++;
    if (n > 65_000) throw new Error('local mesh: no loopback addresses left');
    const tail = `${Math.floor(n / 250)}.${(n % 250) + 1}`;
    return { podIp: `127.77.${tail}`, appAddress: `127.78.${tail}` };
  }
}
