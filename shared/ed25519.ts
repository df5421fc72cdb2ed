/**
 * Ed25519 verification as @noble/ed25519 does it with `{ zip215: false }` (strict RFC 8032
 * §5.1.7: canonical A and R, S < L, small-order A refused, cofactored equation
 * [8][S]B = [8]R + [8][k]A), on noble's own Point arithmetic — with one difference:
 * [S]B is computed by double-and-add on 2B instead of through noble's base-point table.
 *
 * Why: noble builds a 4,224-point table on the first multiplication by B. That is worth it
 * for a server verifying thousands of signatures, but the page verifies one certificate per
 * visit, and the table costs ~50 ms on a desktop (several times that on a phone) before the
 * first verdict. A single ladder costs ~2 ms. test/shared/ed25519.test.ts checks that this
 * function and noble's `verify(…, { zip215: false })` agree on every vector and on random
 * and corrupted inputs.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes } from './bytes.ts';
import { ED25519_ORDER as L, numberLE, scalarInRange } from './ed25519-scalar.ts';
import { inScopeElse } from './signature-scope.ts';

export { scalarInRange } from './ed25519-scalar.ts';
export { withSignatureCheck, type SignatureCheck } from './signature-scope.ts';

const { Point } = ed;
const TWO_B = Point.BASE.double();
const INV2 = (L + 1n) / 2n; // 2⁻¹ mod L (L is odd), so [S]B = [S·2⁻¹](2B): 2B ≠ B, no table

// Past this many verifications in one process (a server, a backup check), noble's table has
// paid for itself: switch to noble's own strict verify. Same answers either way (tested).
const LADDER_CALLS = 16;
let calls = 0;
ed.hashes.sha512 = sha512;

/**
 * Strict Ed25519 verification (or the check `withSignatureCheck` put in place). Returns false,
 * never throws, for any malformed input.
 */
export const ed25519VerifyStrict = inScopeElse((signature, message, publicKey) =>
  ++calls > LADDER_CALLS
    ? verifyWithTable(signature, message, publicKey)
    : verifyWithLadder(signature, message, publicKey),
);

/** noble's `verify(…, { zip215: false })`, which builds and uses the base-point table. */
export function verifyWithTable(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false; // noble throws on some malformed inputs
  }
}

/** The same checks with [S]B by double-and-add: no table, fast for a one-off verification. */
export function verifyWithLadder(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (
    !(signature instanceof Uint8Array) ||
    !(message instanceof Uint8Array) ||
    !(publicKey instanceof Uint8Array)
  )
    return false;
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    const r = signature.subarray(0, 32);
    const A = strictPublicKey(publicKey);
    if (!A || !scalarInRange(signature)) return false;
    const R = Point.fromBytes(r, false);
    const s = numberLE(signature.subarray(32));
    const k = numberLE(sha512(concatBytes(r, publicKey, message))) % L;
    const SB = s === 0n ? Point.ZERO : TWO_B.multiply((s * INV2) % L, false);
    const RkA = R.add(A.multiply(k, false));
    return RkA.subtract(SB).clearCofactor().equals(Point.ZERO);
  } catch {
    return false;
  }
}

/**
 * The public key as noble's strict verify accepts it: 32 bytes, the canonical encoding (y < p)
 * of a curve point, not of small order (noble's policy, as libsodium's). Undefined otherwise.
 */
export function strictPublicKey(publicKey: Uint8Array): InstanceType<typeof Point> | undefined {
  if (publicKey.length !== 32) return undefined;
  try {
    const A = Point.fromBytes(publicKey, false);
    return A.isSmallOrder() ? undefined : A;
  } catch {
    return undefined;
  }
}
