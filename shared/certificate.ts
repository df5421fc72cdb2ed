/**
 * A signed certificate and its assembly from claims plus a signature. Signing itself happens
 * outside the core (Node's native Ed25519 on the server), through a `SignFn`.
 */
import { toBase64url, utf8 } from './bytes.ts';
import { parseClaims, type Claims } from './claims.ts';
import { ErrorCode, HallmarkError } from './errors.ts';
import { signingInputText, type SignFn } from './jws.ts';

export type { SignFn };

/** A certificate: the claims, the signing key id, the 64-byte signature and the compact JWS. */
export interface Certificate {
  claims: Claims;
  kid: string;
  signature: Uint8Array;
  jws: string;
  /**
   * Its index in the public issuance log, once sequenced. Not part of the signature: the
   * log's inclusion proof at this index is what makes it true.
   */
  logIndex?: number;
}

/**
 * Validates the claims and signs them as a JWS with header `{"alg":"Ed25519","kid":kid}`.
 * @throws HallmarkError VALIDATION_FAILED (with every failing field) or MALFORMED (bad signature length).
 */
export function signCertificate(claims: unknown, kid: string, sign: SignFn): Certificate {
  const valid = parseClaims(claims);
  const input = signingInputText(valid, kid);
  const signature = sign(utf8(input));
  if (signature.length !== 64) {
    throw new HallmarkError(
      ErrorCode.MALFORMED,
      `signer returned ${signature.length} bytes, not 64`,
    );
  }
  return { claims: valid, kid, signature, jws: `${input}.${toBase64url(signature)}` };
}
