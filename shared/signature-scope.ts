/**
 * Who answers the Ed25519 checks a synchronous verifier asks for. By default the strict
 * verifier of `ed25519.ts`; inside `withSignatureCheck`, the check given there: how the page
 * replays checks it ran natively beforehand (`ed25519-native.ts`), so that every verifier
 * (certificates, status lists, trust lists, signed notes) stays one synchronous code path.
 * No dependency: the page's first check uses it without the strict verifier's arithmetic.
 */

/** An Ed25519 check (signature, message, public key) with the strict verifier's answers. */
export type SignatureCheck = (
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
) => boolean;

let scoped: SignatureCheck | undefined;

/** A check answered by the one `withSignatureCheck` put in place, else by `otherwise`. */
export function inScopeElse(otherwise: SignatureCheck): SignatureCheck {
  return (signature, message, publicKey) => (scoped ?? otherwise)(signature, message, publicKey);
}

/**
 * Runs `fn` (synchronous) with every Ed25519 check it makes answered by `check` instead.
 * Nested calls restore the outer check when they return or throw.
 */
export function withSignatureCheck<T>(check: SignatureCheck, fn: () => T): T {
  const outer = scoped;
  scoped = check;
  try {
    return fn();
  } finally {
    scoped = outer;
  }
}
