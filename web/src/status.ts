/**
 * The status of an authentic certificate, from the brand's signed status list: fetched when
 * online, cached on the device for offline checks ("status as of …"). A list that does not
 * verify is never read as "active": the answer is then "could not check".
 */
import { fromBase64url } from '../../shared/bytes.ts';
import { unverifiedNumber } from '../../shared/jws.ts';
import type { KeySet } from '../../shared/keys.ts';
import {
  listPosition,
  STATUS_LIST_SIZE,
  statusAt,
  verifyStatusList,
  type CertificateStatus,
} from '../../shared/status-list.ts';

export interface StatusInfo {
  state: CertificateStatus | 'unchecked' | 'unverifiable';
  /** When the list used was issued (epoch seconds). */
  asOf?: number;
  /** The list is past its time-to-live: the status may be out of date. */
  stale?: boolean;
}

const cacheKey = (list: number) => `hallmark.status.${list}`;

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function read(
  jws: string,
  keys: KeySet,
  expected: { issuer: string; list: number },
  position: number,
  now: number,
): Promise<StatusInfo> {
  const payload = verifyStatusList(jws, keys, expected);
  if (payload.size !== STATUS_LIST_SIZE) throw new Error('unexpected list size');
  const bits = await gunzip(fromBase64url(payload.lst_gz));
  if (bits.length !== payload.size / 4) throw new Error('list length does not match its size');
  return {
    state: statusAt(bits, position),
    asOf: payload.iat,
    stale: now > payload.iat + payload.ttl,
  };
}

/**
 * Starts fetching the list for `sli` (when online). Called before the certificate is verified,
 * with the index read from the unverified code: it only chooses which public file to fetch,
 * and the answer is used only if the verified index points to the same list.
 */
export function prefetchStatusList(
  sli: number,
  timeoutMs = 2000,
): { list: number; text: Promise<string | undefined> } | undefined {
  if (!navigator.onLine) return undefined;
  const { list } = listPosition(sli, STATUS_LIST_SIZE);
  return { list, text: fetchList(list, timeoutMs) };
}

async function fetchList(list: number, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(new URL(`status/${list}.jwt`, document.baseURI), {
      cache: 'no-cache',
      credentials: 'omit',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

function readCached(list: number): string | null {
  try {
    return localStorage.getItem(cacheKey(list));
  } catch {
    return null;
  }
}

/**
 * The status of `issuer`'s status-list index `sli`: fresh when online, else the cached list,
 * else unchecked. Only a list of that brand, signed by its key, for that list number is read.
 * A fetched list older than the cached one is a replay (the state before a theft report, say):
 * the newer cached list is used instead, and kept.
 */
export async function certificateStatus(
  issuer: string,
  sli: number,
  keys: KeySet,
  now: number,
  prefetched?: { list: number; text: Promise<string | undefined> },
  timeoutMs = 2000,
): Promise<StatusInfo> {
  const { list, position } = listPosition(sli, STATUS_LIST_SIZE);
  const expected = { issuer, list };
  const fetched =
    prefetched?.list === list
      ? await prefetched.text
      : navigator.onLine
        ? await fetchList(list, timeoutMs)
        : undefined;
  const cached = readCached(list);
  if (fetched !== undefined) {
    let info: StatusInfo;
    try {
      info = await read(fetched, keys, expected, position, now);
    } catch {
      return { state: 'unverifiable' };
    }
    if (cached !== null && unverifiedNumber(cached, 'iat') > (info.asOf ?? 0)) {
      try {
        return await read(cached, keys, expected, position, now);
      } catch {
        // the cached list does not verify (any more): the fetched one stands, and replaces it
      }
    }
    try {
      localStorage.setItem(cacheKey(list), fetched);
    } catch {
      // storage full or disabled: the answer stands, offline checks will say "unchecked"
    }
    return info;
  }
  if (cached === null) return { state: 'unchecked' };
  try {
    return await read(cached, keys, expected, position, now);
  } catch {
    return { state: 'unverifiable' };
  }
}
