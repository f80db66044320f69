// RequestAuthentication (security.istio.io v1beta1/v1) spec as its JSON shape (istio.io field names).
// Read by the JWT filter builder (security/authn) after validation (validation/security.ts).
import type { PolicyTargetReference } from './authorization-policy.js';

export interface JwtRule {
  issuer: string;
  audiences?: string[];
  jwksUri?: string;
  /** The deprecated snake_case spelling istio.io still accepts. */
  jwks_uri?: string;
  jwks?: string;
  fromHeaders?: { name: string; prefix?: string }[];
  fromParams?: string[];
  fromCookies?: string[];
  outputPayloadToHeader?: string;
  forwardOriginalToken?: boolean;
  outputClaimToHeaders?: { header: string; claim: string }[];
  spaceDelimitedClaims?: string[];
  /** A protobuf Duration string (`5s`). */
  timeout?: string;
}

export interface RequestAuthenticationSpec {
  selector?: { matchLabels?: Record<string, string> };
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
  jwtRules?: JwtRule[];
}
