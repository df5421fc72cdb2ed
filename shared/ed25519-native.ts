/**
 * Ed25519 through the platform's own implementation (WebCrypto: BoringSSL in Chromium, OpenSSL
 * in Node), with exactly the verdicts of the strict verifier in `ed25519.ts`. A native check is
 * about a hundred times cheaper than BigInt arithmetic in a page that has just loaded.
 *
 * Why the verdicts are identical, whatever the native library's own policy:
 * - the cheap checks where native libraries differ from noble's strict mode come first, with
 *   noble's own code: S < L, and a public key that is canonically encoded and not of small
 *   order. Failing them is a rejection, as in noble.
 * - then a native "valid" means [S]B = R + [k]A exactly (RFC 8032's cofactorless equation, or
 *   the cofactored one for a library that uses it), which implies noble's cofactored equation
 *   [8][S]B = [8]R + [8][k]A. So native "valid" is noble "valid".
 * - a native "invalid" is never trusted as final: the strict verifier decides (for signatures
 *   with a crafted small-order component the two equations can differ, and only noble's answer
 *   counts). Forged and altered certificates take this slower path; genuine ones do not.
 * - without WebCrypto Ed25519 (older browsers, a page served over plain http), every check is
 *   the strict verifier's.
 * test/web/ed25519-native.test.ts holds Chromium's answers to every external vector to noble's.
 */
import { equalBytes, toHex } from './bytes.ts';
import {
  scalarInRange,
  strictPublicKey,
  verifyWithLadder,
  withSignatureCheck,
  type SignatureCheck,
} from './ed25519.ts';

/** The WebCrypto surface used here (globalThis.crypto.subtle in browsers and Node). */
type Subtle = Pick<SubtleCrypto, 'importKey' | 'verify'>;

/** Per WebCrypto implementation: imported keys, and whether it lacks Ed25519. */
interface Native {
  keys: Map<string, Promise<CryptoKey | undefined>>;
  unsupported: boolean;
}
const natives = new WeakMap<Subtle, Native>();

/** Counts, for tests and benchmarks: valid answers from the native check, and from the fallback. */
export const nativeStats = { native: 0, fallback: 0, unsupported: 0 };

const copy = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(bytes);

/**
 * noble's strict public-key check (canonical, not of small order), once per key: it costs a
 * point decompression (a field exponentiation in BigInt), and a page checks the same few
 * trusted keys again and again (the certificate, its status list). Bounded: the keys asked
 * about are the trusted set's, and the memo starts over past MAX_STRICT_MEMO of them.
 */
const strictKeys = new Map<string, boolean>();
const MAX_STRICT_MEMO = 1024;
/** Keys checked before this page loaded (see `knownStrictKeys`). */
let checkedBefore = new Set<string>();
function isStrictKey(id: string, publicKey: Uint8Array): boolean {
  if (checkedBefore.has(id)) return true;
  let strict = strictKeys.get(id);
  if (strict === undefined) {
    if (strictKeys.size >= MAX_STRICT_MEMO) strictKeys.clear();
    strictKeys.set(id, (strict = strictPublicKey(publicKey) !== undefined));
  }
  return strict;
}

/**
 * The keys of a trust list kept with `strict` (every key passed noble's strict check when the
 * list was kept: trust-list.ts), which this page then does not check again. Replaces the keys
 * given before. The page's first check, which carries no strict verifier, relies on it.
 */
export function knownStrictKeys(publicKeys: readonly Uint8Array[]): void {
  checkedBefore = new Set(publicKeys.map((key) => toHex(key)));
}

function nativeOf(subtle: Subtle): Native {
  let native = natives.get(subtle);
  if (!native) natives.set(subtle, (native = { keys: new Map(), unsupported: false }));
  return native;
}

function nativeKey(native: Native, subtle: Subtle, id: string, publicKey: Uint8Array) {
  let key = native.keys.get(id);
  if (!key) {
    // The import is skipped for a key that noble's strict mode refuses.
    key = isStrictKey(id, publicKey)
      ? subtle.importKey('raw', copy(publicKey), { name: 'Ed25519' }, false, ['verify']).then(
          (k) => k,
          () => {
            native.unsupported = true; // no Ed25519 here: the strict verifier does it all
            nativeStats.unsupported++;
            return undefined;
          },
        )
      : Promise.resolve(undefined);
    native.keys.set(id, key);
  }
  return key;
}

/** Strict Ed25519 verification, natively when the platform can. Never rejects or throws. */
export async function ed25519VerifyNative(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  subtle: Subtle | undefined = globalThis.crypto?.subtle,
): Promise<boolean> {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const id = toHex(publicKey);
  if (!scalarInRange(signature) || !isStrictKey(id, publicKey)) return false;
  const native = subtle && nativeOf(subtle);
  if (subtle && native && !native.unsupported) {
    try {
      const key = await nativeKey(native, subtle, id, publicKey);
      if (key && (await subtle.verify('Ed25519', key, copy(signature), copy(message)))) {
        nativeStats.native++;
        return true;
      }
    } catch {
      // the native check could not answer: the strict verifier does
    }
  }
  const valid = verifyWithLadder(signature, message, publicKey);
  if (valid) nativeStats.fallback++;
  return valid;
}

/**
 * Runs a synchronous verification (`verify`, `verifyTrustList`, `verifyStatusList`, a signed
 * note…) with its Ed25519 checks done natively: a first pass records the checks it asks for,
 * they run natively (in parallel), and a second pass replays them. The first pass answers
 * every check "valid": it walks the path of a verification that succeeds, so it asks every
 * check a success needs and builds none of the errors a refusal would (their stack traces cost
 * a page that has just loaded milliseconds each). Its result is thrown away. A check the
 * replay asks for that the first pass did not (it cannot happen for these pure functions) is
 * done strictly.
 */
export async function verifyNatively<T>(
  fn: () => T,
  subtle: Subtle | undefined = globalThis.crypto?.subtle,
): Promise<T> {
  const asked: [Uint8Array, Uint8Array, Uint8Array][] = [];
  try {
    withSignatureCheck((s, m, k) => {
      asked.push([Uint8Array.from(s), Uint8Array.from(m), Uint8Array.from(k)]);
      return true;
    }, fn);
  } catch {
    // a verifier that refuses for another reason throws: only the checks asked matter
  }
  const answers = await Promise.all(asked.map(([s, m, k]) => ed25519VerifyNative(s, m, k, subtle)));
  let next = 0;
  const replay: SignatureCheck = (s, m, k) => {
    const i = next++;
    const recorded = asked[i];
    return recorded &&
      equalBytes(recorded[0], s) &&
      equalBytes(recorded[1], m) &&
      equalBytes(recorded[2], k)
      ? answers[i]!
      : verifyWithLadder(s, m, k);
  };
  return withSignatureCheck(replay, fn);
}
