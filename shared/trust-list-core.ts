/**
 * A verified trust list as the page holds it, without a schema library: its type, its key set
 * and log policy, and the kept form whoever verified a list stores it in, to use again without
 * verifying, parsing with schemas or hashing. Verifying and signing lists is in trust-list.ts,
 * which re-exports this file.
 */
import { fromBase64url } from './bytes.ts';
import { ErrorCode, HallmarkError } from './errors.ts';
import { jsonPayload, parseCompactJws } from './jws.ts';
import { thumbprint, type KeySet, type TrustedKey } from './key-set.ts';
import type { LogPolicy } from './tlog/client.ts';
import { parseCosignerKey } from './tlog/cosignature.ts';
import { parseVerifierKey } from './tlog/note.ts';
import type { TrustListBrand, TrustListPayload } from './trust-list.ts';

/** A verified trust list: what it says, and the key set `verify` takes, each key bound to its brand. */
export interface TrustList {
  payload: TrustListPayload;
  keys: KeySet;
  /** The root key that signed it. */
  rootKid: string;
  /** The list as received, to cache or pass on. */
  jws: string;
  /** The issuance log it vouches for, if it names one. */
  log?: LogPolicy;
}

/** The log policy a payload's `log` member states. */
export function logPolicyOf(payload: TrustListPayload): LogPolicy | undefined {
  if (!payload.log) return undefined;
  const logKey = parseVerifierKey(payload.log.key);
  return {
    origin: logKey.name,
    logKey,
    witnesses: (payload.log.witnesses ?? []).map(parseCosignerKey),
    quorum: payload.log.quorum ?? 0,
    ...(payload.log.since === undefined ? {} : { since: payload.log.since }),
  };
}

/**
 * A verified list in a form to keep (JSON): the JWS, the root that signed it, and its keys'
 * thumbprints, so that whoever verified it (the page's build, the page itself) can use it
 * again without verifying, parsing with schemas or hashing again.
 */
export interface KeptTrustList {
  jws: string;
  rootKid: string;
  kids: string[];
  /**
   * Every key passed the strict verifier's public-key check (canonical, not of small order)
   * when the list was kept, so that a native Ed25519 check may be used without it (see
   * shared/ed25519-native.ts). Absent from lists kept by earlier versions.
   */
  strict?: true;
}

/**
 * A kept list back as a `TrustList`. It verifies nothing: only for a list kept by whoever
 * verified it, in storage no one else can write (the page's own file, its origin's storage).
 * @throws Error when the kept form is damaged
 */
export function restoreTrustList(kept: KeptTrustList): TrustList {
  const payload = jsonPayload(parseCompactJws(kept.jws), 'the trust list') as TrustListPayload;
  const list: TrustList = {
    payload,
    keys: keysOf(payload, kept.kids),
    rootKid: kept.rootKid,
    jws: kept.jws,
  };
  // Its log policy is read when first asked for: reading it hashes the log's and witnesses'
  // keys, which the first check (web/src/boot.ts) does not need (it asks only whether the list
  // names a log, in its payload), and the full check does later.
  if (payload.log) {
    let log: LogPolicy | undefined;
    Object.defineProperty(list, 'log', {
      enumerable: true,
      get: () => (log ??= logPolicyOf(payload)),
    });
  }
  return list;
}

/** The brand entry for a code, from a verified list. */
export function brandOf(list: TrustList, code: string): TrustListBrand | undefined {
  return list.payload.brands.find((b) => b.code === code);
}

/** The key set a payload states; `kids`, when given, are their thumbprints computed before. */
export function keysOf(payload: TrustListPayload, kids?: readonly string[]): KeySet {
  const keys: TrustedKey[] = [];
  const seen = new Set<string>();
  const codes = new Set<string>();
  for (const brand of payload.brands) {
    if (codes.has(brand.code)) throw invalid(`brand ${brand.code} is listed twice`);
    codes.add(brand.code);
    for (const entry of brand.keys) {
      const publicKey = fromBase64url(entry.x);
      const kid = kids ? kids[keys.length] : thumbprint(publicKey);
      if (kid === undefined) throw invalid('the kept list has fewer thumbprints than keys');
      // One key, one brand: a key listed twice could sign for either.
      if (seen.has(kid)) throw invalid(`key ${kid} is listed more than once`);
      seen.add(kid);
      const key: TrustedKey = {
        kid,
        publicKey,
        brand: brand.code,
        brandName: brand.name,
        notBefore: entry.nbf,
      };
      if (entry.exp !== undefined) key.notAfter = entry.exp;
      if (entry.cs !== undefined) key.compromisedSince = entry.cs;
      keys.push(key);
    }
  }
  if (kids && kids.length !== keys.length)
    throw invalid('the kept list has more thumbprints than keys');
  return keys;
}

export function invalid(message: string): HallmarkError {
  return new HallmarkError(ErrorCode.TRUST_LIST_INVALID, message);
}
