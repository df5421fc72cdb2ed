/**
 * The page's trusted keys come from one place: a trust list signed by the operator's root key,
 * whose public half is baked into the build. The list baked in at build time serves the first
 * visit and offline checks; a newer list fetched from this origin replaces it when it
 * verifies under the root and its `seq` is higher. A list that does not verify, or that is
 * older than one already held (a replay), is ignored: the page keeps the last list that
 * verified. Nothing served without the root's signature (a JWKS, a list file) adds a key.
 * A list is verified once: the build verifies the one it bakes in, the page the ones it
 * fetches, and each is kept in its verified form (`KeptTrustList`) for the next visits.
 */
import { keySetFromJwks, type KeySet } from '../../shared/keys.ts';
import { unverifiedNumber } from '../../shared/jws.ts';
import { verifyNatively } from '../../shared/ed25519-native.ts';
import {
  keepTrustList,
  newerTrustList,
  restoreTrustList,
  verifyTrustList,
  type KeptTrustList,
  type TrustList,
} from '../../shared/trust-list.ts';

declare const __TRUST_ROOTS__: unknown;
/** The list baked in, verified by the build (see web/build.ts), or null. */
declare const __TRUST_LIST__: KeptTrustList | null;
declare const __BUILD_TIME__: number;

const STORAGE_KEY = 'hallmark.trust-list';
/** Relative to the page, as the service and `hallmark publish` serve it. */
export const TRUST_LIST_URL = '.well-known/hallmark-trust-list.jwt';

export interface Trust {
  keys: KeySet;
  /** The verified list in use; undefined when the page holds none (it then trusts no key). */
  list: TrustList | undefined;
  /** Where the list came from, and when the page obtained it (epoch ms). */
  source: 'baked' | 'refreshed' | 'none';
  at: number;
}

let roots: KeySet | undefined;

/** The root keys, read when a list must be verified (not on a visit that needs none). */
function rootKeys(): KeySet {
  try {
    roots ??= keySetFromJwks(__TRUST_ROOTS__);
  } catch {
    roots = []; // a build without valid roots trusts nothing: every verdict is NOT AUTHENTIC
  }
  return roots;
}

async function verified(jws: string | null | undefined): Promise<TrustList | undefined> {
  if (!jws) return undefined;
  try {
    const keys = rootKeys();
    return await verifyNatively(() => verifyTrustList(jws, keys));
  } catch {
    return undefined; // a broken or forged list is ignored, never trusted
  }
}

function trustOf(list: TrustList | undefined, source: Trust['source'], at: number): Trust {
  return { keys: list?.keys ?? [], list, source: list ? source : 'none', at };
}

/**
 * The list this page keeps: the JWS as fetched, when, and the form it verified it into (an
 * earlier version kept the JWS alone, which is then verified again).
 */
function readCache(): { jws: string; at: number; kept?: KeptTrustList } | undefined {
  try {
    const cached = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as {
      jws?: unknown;
      at?: unknown;
      kept?: KeptTrustList;
    } | null;
    if (typeof cached?.jws !== 'string' || typeof cached.at !== 'number') return undefined;
    return cached.kept?.jws === cached.jws
      ? { jws: cached.jws, at: cached.at, kept: cached.kept }
      : { jws: cached.jws, at: cached.at };
  } catch {
    return undefined;
  }
}

function restored(kept: KeptTrustList | null | undefined): TrustList | undefined {
  try {
    return kept ? restoreTrustList(kept) : undefined;
  } catch {
    return undefined; // damaged: verified again from its JWS, or not used
  }
}

/**
 * The best trust available without the network: the newer of the baked and the kept list.
 * Neither is verified again when it was kept verified; a kept list from an earlier version
 * is, and if it fails, the baked list stands.
 */
export async function currentTrust(): Promise<Trust> {
  const baked = restored(__TRUST_LIST__);
  const cached = readCache();
  if (cached && unverifiedNumber(cached.jws, 'seq') > (baked?.payload.seq ?? -1)) {
    const list = restored(cached.kept) ?? (await verified(cached.jws));
    if (list) return trustOf(list, 'refreshed', cached.at);
  }
  return trustOf(baked, 'baked', __BUILD_TIME__);
}

/**
 * Fetches the trust list from this origin and adopts it when it verifies and is not older
 * than `held`. Resolves undefined when offline, on any error, or when nothing is newer.
 */
export async function refreshTrust(held: Trust, timeoutMs = 4000): Promise<Trust | undefined> {
  try {
    // The service tags each list with its seq: holding it, we get an empty 304 when nothing
    // changed (a conditional header also keeps the browser's HTTP cache out of the way).
    const response = await fetch(new URL(TRUST_LIST_URL, document.baseURI), {
      credentials: 'omit',
      headers: held.list ? { 'If-None-Match': `"trust-${held.list.payload.seq}"` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status === 304 && held.list) return remember(held.list);
    if (!response.ok) return undefined;
    const fetched = await verified(await response.text());
    if (!fetched) return undefined;
    return remember(newerTrustList(held.list, fetched)); // throws on a rollback: keep what we hold
  } catch {
    return undefined;
  }
}

/** Keeps a list confirmed online now, for offline visits. */
function remember(list: TrustList): Trust {
  const at = Date.now();
  try {
    localStorage.setItem(
      STORAGE_KEY,
      JSON.stringify({ jws: list.jws, at, kept: keepTrustList(list) }),
    );
  } catch {
    // storage full or disabled: the list serves this visit only
  }
  return trustOf(list, 'refreshed', at);
}
