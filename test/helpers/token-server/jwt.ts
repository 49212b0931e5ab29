/**
 * Signing the JWTs distribution's `registry/auth/token` accepts, with node:crypto (no JWT
 * library): ES256, `x5c` chain in the header, the ClaimSet it parses.
 */
import { randomBytes, sign } from 'node:crypto';
import { REGISTRY_LEEWAY_S, type ResourceActions } from './types.js';

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** What one token says and who signs it. */
export interface TokenClaims {
  issuer: string;
  subject: string | undefined;
  service: string;
  access: ResourceActions[];
  /** Seconds until `exp` (the response's `expires_in`). */
  lifetime: number;
  /** When set, the registry refuses the token after this many seconds (its leeway taken off). */
  validFor: number | undefined;
  /** The signing key (PEM) and the `x5c` chain (base64 DER, signer first). */
  keyPem: string;
  x5c: string[];
}

/** signToken returns a compact JWS. */
export function signToken(c: TokenClaims): string {
  const iat = Math.floor(Date.now() / 1000);
  const exp = c.validFor !== undefined ? iat + c.validFor - REGISTRY_LEEWAY_S : iat + c.lifetime;
  const header = { typ: 'JWT', alg: 'ES256', x5c: c.x5c };
  const claims = {
    iss: c.issuer,
    sub: c.subject ?? '',
    aud: c.service,
    exp,
    nbf: iat,
    iat,
    jti: randomBytes(12).toString('hex'),
    access: c.access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  // JWS ES256: the raw r||s signature (RFC 7518 §3.4), which libtrust verifies.
  const signature = sign('sha256', Buffer.from(input), {
    key: c.keyPem,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}
