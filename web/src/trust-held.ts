/**
 * The trust the page holds without verifying anything: the list baked in (verified by the
 * build) and the list kept in storage (verified by this page when it fetched it). Used by the
 * first check (boot.ts) and, through `currentTrust`, by the rest of the page.
 */
import { unverifiedNumber } from '../../shared/jws.ts';
import type { KeySet } from '../../shared/key-set.ts';
import {
  restoreTrustList,
  type KeptTrustList,
  type TrustList,
} from '../../shared/trust-list-core.ts';

/**
 * The list baked in, verified by the build (see web/build.ts), or null. Written into the first
 * check's file; the rest of the page reads it from the global the first check sets.
 */
declare const __TRUST_LIST__: KeptTrustList | null | undefined;
declare const __BUILD_TIME__: number;

declare global {
  var hallmarkBakedTrustList: KeptTrustList | null | undefined;
}

export const STORAGE_KEY = 'hallmark.trust-list';

export interface Trust {
  keys: KeySet;
  /** The verified list in use; undefined when the page holds none (it then trusts no key). */
  list: TrustList | undefined;
  /** Where the list came from, and when the page obtained it (epoch ms). */
  source: 'baked' | 'refreshed' | 'none';
  at: number;
  /** The list was kept with every key checked strict (`KeptTrustList.strict`). */
  strictKeys?: true;
}

export function trustOf(list: TrustList | undefined, source: Trust['source'], at: number): Trust {
  return { keys: list?.keys ?? [], list, source: list ? source : 'none', at };
}

/**
 * The list this page keeps: the JWS as fetched, when, and the form it verified it into (an
 * earlier version kept the JWS alone, which is then verified again).
 */
export function readCache(): { jws: string; at: number; kept?: KeptTrustList } | undefined {
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

/** A kept list as trust, undefined when it is damaged. */
function keptAsTrust(kept: KeptTrustList, source: Trust['source'], at: number): Trust | undefined {
  const list = restored(kept);
  if (!list) return undefined;
  const trust = trustOf(list, source, at);
  if (kept.strict) trust.strictKeys = true;
  return trust;
}

/** The list baked into the page, as trust. */
export function bakedTrust(): Trust {
  return (
    (__TRUST_LIST__ && keptAsTrust(__TRUST_LIST__, 'baked', __BUILD_TIME__)) ??
    trustOf(undefined, 'baked', __BUILD_TIME__)
  );
}

/**
 * The best trust available without the network and without verifying: the newer of the
 * baked and the kept list. Undefined when the newer is a kept list from an earlier version,
 * kept as its JWS alone: `currentTrust` verifies it.
 */
export function keptTrust(): Trust | undefined {
  const baked = bakedTrust();
  const cached = readCache();
  if (cached && unverifiedNumber(cached.jws, 'seq') > (baked.list?.payload.seq ?? -1)) {
    return cached.kept && keptAsTrust(cached.kept, 'refreshed', cached.at);
  }
  return baked;
}
