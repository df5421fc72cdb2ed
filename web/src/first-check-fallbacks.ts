/**
 * What the first check (boot.ts) carries instead of the strict Ed25519 verifier
 * (shared/ed25519.ts: noble's BigInt curve arithmetic) and of fflate's gunzip
 * (gunzip-fallback.ts, for browsers without DecompressionStream): web/build.ts puts this file
 * in their place in the first check's bundle only. The rest of the page, the server and the
 * tests use the real ones.
 *
 * Every question only they could answer declines: it answers "no" (a check that fails,
 * which never makes anything valid) and records that the first check must step aside, which
 * it then does, whatever it was about to show. So the first check shows only verdicts reached
 * through the platform's native Ed25519 with keys checked strict beforehand (a trust list kept
 * with `strict`), and statuses read from lists the browser's own zlib inflated; the full
 * check, with the strict verifier and fflate, decides everything else: old browsers,
 * signatures the native check refuses (which may still be noble's to accept or refuse), keys
 * never checked strict.
 */
export { scalarInRange } from '../../shared/ed25519-scalar.ts';
export { withSignatureCheck, type SignatureCheck } from '../../shared/signature-scope.ts';
import { inScopeElse } from '../../shared/signature-scope.ts';

let declined = false;

/** Whether a question was left to the full check since the page loaded. */
export function firstCheckDeclined(): boolean {
  return declined;
}

function decline(): false {
  declined = true;
  return false;
}

/** As shared/ed25519.ts: the check in scope answers; with none, the full check will. */
export const ed25519VerifyStrict = inScopeElse(decline);

export const verifyWithLadder = decline;
export const verifyWithTable = decline;

/** A key not checked strict beforehand: the full check will check it. */
export function strictPublicKey(): undefined {
  decline();
  return undefined;
}

/** A browser without DecompressionStream: the full check will inflate the list. */
export function gunzipFallback(): never {
  decline();
  throw new Error('the list is left to the full check');
}
