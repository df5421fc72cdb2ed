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
import { verifyNatively } from '../../shared/ed25519-native.ts';
import {
  keepTrustList,
  newerTrustList,
  verifyTrustList,
  type TrustList,
} from '../../shared/trust-list.ts';
import {
  bakedTrust,
  keptTrust,
  readCache,
  STORAGE_KEY,
  trustOf,
  type Trust,
} from './trust-held.ts';

export type { Trust } from './trust-held.ts';

declare const __TRUST_ROOTS__: unknown;
/** Relative to the page, as the service and `hallmark publish` serve it. */
export const TRUST_LIST_URL = '.well-known/hallmark-trust-list.jwt';

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

/**
 * The best trust available without the network: the newer of the baked and the kept list.
 * Neither is verified again when it was kept verified; a kept list from an earlier version
 * is, and if it fails, the baked list stands.
 */
export async function currentTrust(): Promise<Trust> {
  const held = keptTrust();
  if (held) return held;
  const cached = readCache();
  const list = cached && (await verified(cached.jws));
  return list ? trustOf(list, 'refreshed', cached.at) : bakedTrust();
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
    if (response.status === 304 && held.list) return remember(held.list, held.strictKeys);
    if (!response.ok) return undefined;
    const fetched = await verified(await response.text());
    if (!fetched) return undefined;
    const list = newerTrustList(held.list, fetched); // throws on a rollback: keep what we hold
    return remember(list, list === held.list ? held.strictKeys : undefined);
  } catch {
    return undefined;
  }
}

/**
 * Keeps a list confirmed online now, for offline visits. `strictKeys`: its keys are known to
 * have passed the strict check already (the list held, kept with the mark), so that a visit
 * whose refresh finds nothing new spends no point decompression on them.
 */
function remember(list: TrustList, strictKeys?: true): Trust {
  const at = Date.now();
  const kept = keepTrustList(list, strictKeys);
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ jws: list.jws, at, kept }));
  } catch {
    // storage full or disabled: the list serves this visit only
  }
  const trust = trustOf(list, 'refreshed', at);
  if (kept.strict) trust.strictKeys = true;
  return trust;
}
