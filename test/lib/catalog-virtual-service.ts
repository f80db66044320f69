// Test fixture: a block-style VirtualService routing host catalog to catalog, with YAML lines appended
// after its one route destination; admission tests use it to place a field error on a known line.

/** VirtualService `name` (no namespace) ending with `tail`: indented 6 it extends `http[0].route[0]`, 4 `http[0]`. */
export const catalogVirtualService = (name: string, tail: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
spec:
  hosts: [catalog]
  http:
  - route:
    - destination: {host: catalog}
${tail}`;
