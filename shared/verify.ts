/**
 * The one verifier, for the server, the CLI and the page alike. Pure: input, trusted keys and
 * the current time in; a verdict out. It never throws and never accepts on an error.
 * The verifier itself is in verify-core.ts; here it checks claims with the zod schema, so
 * that a refusal names every failing field.
 */
import { claimsSchema, type Claims } from './claims.ts';
import { ErrorCode, HallmarkError } from './errors.ts';
import type { KeySet } from './key-set.ts';
import { fieldErrors } from './validation.ts';
import { checkVersion, verifyWith, type Verdict, type VerifyOptions } from './verify-core.ts';

export * from './verify-core.ts';

function checkClaims(claims: unknown): Claims {
  checkVersion(claims);
  const result = claimsSchema.safeParse(claims);
  if (!result.success) {
    throw new HallmarkError(ErrorCode.CLAIMS_INVALID, 'the certificate claims are invalid', {
      fields: fieldErrors(result.error),
    });
  }
  return result.data;
}

/**
 * Verifies a certificate given as a QR URL, the bare QR digits or a compact JWS, against
 * trusted keys, with strict RFC 8032 verification (@noble/ed25519 `zip215: false`).
 *
 * @example
 * const verdict = verify(scannedText, keySetFromJwks(jwks), { now: new Date() });
 * if (verdict.ok) show(verdict.claims); else explain(verdict.code);
 */
export function verify(input: unknown, keys: KeySet, options: VerifyOptions): Verdict {
  return verifyWith(input, keys, options, checkClaims);
}
