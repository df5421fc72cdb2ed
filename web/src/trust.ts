/**
 * The page's trusted keys come from one place: a trust list signed by the operator's root key,
 * whose public half is baked into the build. The list baked in at build time serves the first
 * visit and offline checks; a newer list fetched from this origin replaces it when it
 * verifies under the root and its `seq` is higher. A list that does not verify, or that is
 * older than one already held (a replay), is ignored: the page keeps the last list that
 * verified. Nothing served without the root's signature (a JWKS, a list file) adds a key.
 */
import { keySetFromJwks, type KeySet } from '../../shared/keys.ts';
import { newerTrustList, verifyTrustList, type TrustList } from '../../shared/trust-list.ts';

declare const __TRUST_ROOTS__: unknown;
declare const __TRUST_LIST__: string;
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

const roots: KeySet = (() => {
  try {
    return keySetFromJwks(__TRUST_ROOTS__);
  } catch {
    return []; // a build without valid roots trusts nothing: every verdict is NOT AUTHENTIC
  }
})();

function verified(jws: string | null | undefined): TrustList | undefined {
  if (!jws) return undefined;
  try {
    return verifyTrustList(jws, roots);
  } catch {
    return undefined; // a broken or forged list is ignored, never trusted
  }
}

function trustOf(list: TrustList | undefined, source: Trust['source'], at: number): Trust {
  return { keys: list?.keys ?? [], list, source: list ? source : 'none', at };
}

function readCache(): { list: TrustList; at: number } | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const cached = JSON.parse(raw) as { jws?: unknown; at?: unknown };
    const list = typeof cached.jws === 'string' ? verified(cached.jws) : undefined;
    return list && typeof cached.at === 'number' ? { list, at: cached.at } : undefined;
  } catch {
    return undefined;
  }
}

/** The best trust available without the network: the newer of the baked and the cached list. */
export function currentTrust(): Trust {
  const baked = verified(__TRUST_LIST__);
  const cached = readCache();
  if (cached && (!baked || cached.list.payload.seq > baked.payload.seq))
    return trustOf(cached.list, 'refreshed', cached.at);
  return trustOf(baked, 'baked', __BUILD_TIME__);
}

/**
 * Fetches the trust list from this origin and adopts it when it verifies and is not older
 * than `held`. Resolves undefined when offline, on any error, or when nothing is newer.
 */
export async function refreshTrust(held: Trust, timeoutMs = 4000): Promise<Trust | undefined> {
  try {
    const response = await fetch(new URL(TRUST_LIST_URL, document.baseURI), {
      cache: 'no-cache',
      credentials: 'omit',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return undefined;
    const fetched = verified(await response.text());
    if (!fetched) return undefined;
    const list = newerTrustList(held.list, fetched); // throws on a rollback: keep what we hold
    const at = Date.now();
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ jws: list.jws, at }));
    } catch {
      // storage full or disabled: the list serves this visit only
    }
    return trustOf(list, 'refreshed', at);
  } catch {
    return undefined;
  }
}
