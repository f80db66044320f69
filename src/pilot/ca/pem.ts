// PEM bundles without an X.509 library, so what only splits them (the mesh agent in every sidecar)
// does not load one.

/** Splits a PEM bundle into its certificates (PEM each, in order). */
export function splitPemCertificates(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((c) => `${c}\n`) ?? [];
}
