// The JWT verification outcomes and their wording, as Envoy's jwt_verify status strings: these are
// the 401/403 bodies the jwt_authn filter answers with and the %RESPONSE_CODE_DETAILS% it sets.

/** Envoy's status strings, by status name. */
export const JWT_STATUS = {
  Ok: 'OK',
  JwtMissed: 'Jwt is missing',
  JwtNotYetValid: 'Jwt not yet valid',
  JwtExpired: 'Jwt is expired',
  JwtBadFormat: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
  JwtHeaderParseErrorBadBase64: 'Jwt header is an invalid Base64url encoded',
  JwtHeaderParseErrorBadJson: 'Jwt header is an invalid JSON',
  JwtHeaderBadAlg: 'Jwt header [alg] field is required and must be a string',
  JwtHeaderNotImplementedAlg: 'Jwt header [alg] is not supported',
  JwtHeaderBadKid: 'Jwt header [kid] field is not a string',
  JwtPayloadParseErrorBadBase64: 'Jwt payload is an invalid Base64url encoded',
  JwtPayloadParseErrorBadJson: 'Jwt payload is an invalid JSON',
  JwtPayloadParseErrorIssNotString: 'Jwt payload [iss] field is not a string',
  JwtPayloadParseErrorSubNotString: 'Jwt payload [sub] field is not a string',
  JwtSignatureParseErrorBadBase64: 'Jwt signature is an invalid Base64url encoded',
  JwtVerificationFail: 'Jwt verification fails',
  JwtUnknownIssuer: 'Jwt issuer is not configured',
  JwtAudienceNotAllowed: 'Audiences in Jwt are not allowed',
  JwksKidAlgMismatch: "Jwks doesn't have key to match kid or alg from Jwt",
  JwksFetchFail: 'Jwks remote fetch is failed',
} as const;

/** A verification outcome. */
export type JwtStatus = keyof typeof JWT_STATUS;

/** Envoy's %RESPONSE_CODE_DETAILS% for a denial: `jwt_authn_access_denied{<status, spaces as _>}`. */
export function denialDetails(status: JwtStatus): string {
  return `jwt_authn_access_denied{${JWT_STATUS[status].replace(/ /g, '_')}}`;
}
