// Istio's sidecar injection policy (the default revision's mutating webhooks, then the injector's own check):
// which Deployment pods of the local mesh get a sidecar, from their namespace's labels and their template.

/** Namespace label that turns injection on ("enabled") or off (any other value) for the whole namespace. */
export const INJECTION_LABEL = 'istio-injection';
/** Namespace (or pod) label naming the control plane revision that injects; Strait's only revision is "default". */
export const REVISION_LABEL = 'istio.io/rev';
/** Pod label (and the older annotation of the same name) that opts a pod in ("true") or out. */
export const SIDECAR_INJECT = 'sidecar.istio.io/inject';
/** The revision of the local mesh's control plane. */
export const DEFAULT_REVISION = 'default';

type Strings = Readonly<Record<string, string>>;

/**
 * Whether a pod gets a sidecar, as Istio's default-revision install decides it (enableNamespacesByDefault off):
 * 1. The webhooks that are called: namespace `istio-injection=enabled`; else (no istio-injection label) namespace
 *    `istio.io/rev=default`; else (neither namespace label) a pod labelled `sidecar.istio.io/inject=true` or
 *    `istio.io/rev=default`. A namespace with `istio-injection` set to anything else (disabled) gets none, and a
 *    pod labelled `sidecar.istio.io/inject=false` is never sent to a webhook.
 * 2. The injector then reads `sidecar.istio.io/inject` from the pod's labels, else its annotations: unset or
 *    empty or y/yes/true/on injects (policy enabled), any other value does not.
 * So the annotation alone can turn injection off in an enabled namespace, but not on in an unlabelled one.
 */
export function sidecarInjected(namespaceLabels: Strings, podLabels: Strings, podAnnotations: Strings): boolean {
  const nsInjection = namespaceLabels[INJECTION_LABEL];
  const nsRevision = namespaceLabels[REVISION_LABEL];
  const podInject = podLabels[SIDECAR_INJECT];
  let webhookCalled: boolean;
  if (nsInjection !== undefined) webhookCalled = nsInjection === 'enabled' && podInject !== 'false';
  else if (nsRevision !== undefined) webhookCalled = nsRevision === DEFAULT_REVISION && podInject !== 'false' && podLabels[REVISION_LABEL] === undefined;
  else webhookCalled = podLabels[REVISION_LABEL] === undefined ? podInject === 'true' : podLabels[REVISION_LABEL] === DEFAULT_REVISION && podInject !== 'false';
  if (!webhookCalled) return false;
  const asked = podInject ?? podAnnotations[SIDECAR_INJECT];
  return asked === undefined || asked === '' || ['y', 'yes', 'true', 'on'].includes(asked.toLowerCase());
}
