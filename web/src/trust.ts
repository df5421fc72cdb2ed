/**
 * The page's trusted keys: the JWKS baked into the build, replaced by the newest JWKS fetched
 * from this origin's /.well-known/jwks.json when online (cached on the device). A fetched set
 * replaces the baked one rather than adding to it, so a key the brand withdrew stops being
 * trusted as soon as the device has been online once.
 */
import { keySetFromJwks, type KeySet } from '../../shared/keys.ts';

declare const __TRUSTED_JWKS__: unknown;
declare const __BUILD_TIME__: number;

const STORAGE_KEY = 'hallmark.jwks';

export interface Trust {
  keys: KeySet;
  /** Where the keys come from and when they were obtained (epoch ms). */
  source: 'baked' | 'refreshed';
  at: number;
}

interface Cached {
  jwks: unknown;
  at: number;
}

function readCache(): Cached | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const cached = JSON.parse(raw) as Cached;
    keySetFromJwks(cached.jwks);
    return cached;
  } catch {
    return undefined; // a broken cache is ignored, never trusted
  }
}

/** The best key set available without the network. */
export function currentTrust(): Trust {
  const cached = readCache();
  if (cached && cached.at > __BUILD_TIME__)
    return { keys: keySetFromJwks(cached.jwks), source: 'refreshed', at: cached.at };
  return { keys: keySetFromJwks(__TRUSTED_JWKS__), source: 'baked', at: __BUILD_TIME__ };
}

/** Fetches the JWKS from this origin and caches it. Resolves undefined when offline or on any error. */
export async function refreshTrust(timeoutMs = 4000): Promise<Trust | undefined> {
  try {
    const response = await fetch(new URL('.well-known/jwks.json', document.baseURI), {
      cache: 'no-cache',
      credentials: 'omit',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return undefined;
    const jwks: unknown = await response.json();
    const keys = keySetFromJwks(jwks); // refuse to cache anything that is not a valid key set
    const at = Date.now();
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ jwks, at }));
    return { keys, source: 'refreshed', at };
  } catch {
    return undefined;
  }
}
