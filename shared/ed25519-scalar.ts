/**
 * The one Ed25519 check that needs no curve arithmetic: RFC 8032 §5.1.7 step 1, the scalar S
 * of a signature is below the group order L. No dependency, so that the page's first check
 * makes it before a native check without loading the strict verifier.
 */

/** The order of the Ed25519 base point, L = 2^252 + 27742317777372353535851937790883648493. */
export const ED25519_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

/** A little-endian byte string as a number. */
export function numberLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** RFC 8032 §5.1.7 step 1: the signature's S (its last 32 bytes, little-endian) is below L. */
export function scalarInRange(signature: Uint8Array): boolean {
  return signature.length === 64 && numberLE(signature.subarray(32)) < ED25519_ORDER;
}
