/**
 * The status of an authentic certificate, from the brand's signed status list: fetched when
 * online, cached on the device for offline checks ("status as of …"). A list that does not
 * verify is never read as "active": the answer is then "could not check".
 */
import { fromBase64url } from '../../shared/bytes.ts';
import { verifyNatively } from '../../shared/ed25519-native.ts';
import { parseCompactJws, unverifiedNumber } from '../../shared/jws.ts';
import type { KeySet } from '../../shared/key-set.ts';
import {
  checkStatusListKey,
  listPosition,
  STATUS_LIST_SIZE,
  statusAt,
  verifyStatusList,
  type CertificateStatus,
  type StatusListPayload,
} from '../../shared/status-list.ts';
import { afterNextFrame } from './dom.ts';
import { gunzipExactly } from './gunzip.ts';
import { fetchList, type Prefetch } from './status-fetch.ts';

export { dropStartedPrefetch, prefetchFor, startPrefetch, takePrefetch } from './status-fetch.ts';

export interface StatusInfo {
  state: CertificateStatus | 'unchecked' | 'unverifiable';
  /** When the list used was issued (epoch seconds). */
  asOf?: number;
  /** The list is past its time-to-live: the status may be out of date. */
  stale?: boolean;
}

interface Expected {
  issuer: string;
  list: number;
}

/** One kept list per list number (numbers are the platform's: no two brands share one). */
const cacheKey = ({ list }: Expected) => `hallmark.status.${list}`;

/**
 * A list this page verified, kept decoded so that a later visit reads a status at once: no
 * signature check, no gunzip. Only its non-zero bytes are kept (statuses other than "active"
 * are rare), as [byte index, byte value] pairs in index order. Its key is checked again
 * against the keys of the day on every read: a key withdrawn or marked compromised since
 * sends the page back to the list itself, which says why it no longer verifies.
 */
interface DecodedList {
  kid: string;
  iss: string;
  lst: number;
  iat: number;
  ttl: number;
  nz: number[];
}

/** What the device keeps of a list: the JWS as served, and its decoded form when sparse. */
interface Kept {
  jws: string;
  decoded?: DecodedList;
}

/** Beyond this many non-zero bytes the decoded form is not kept (the JWS is read instead). */
const MAX_NONZERO = 20_000;

function sparse(
  kid: string,
  payload: StatusListPayload,
  bits: Uint8Array,
): DecodedList | undefined {
  const nz: number[] = [];
  // Four bytes at a time where the bytes are aligned (a list is mostly zeros), one at a time else.
  const words =
    bits.byteOffset % 4 === 0 && bits.length % 4 === 0
      ? new Uint32Array(bits.buffer, bits.byteOffset, bits.length / 4)
      : undefined;
  const step = words ? 4 : 1;
  for (let i = 0; i < bits.length; i += step) {
    if (words && words[i / 4] === 0) continue;
    for (let j = i; j < i + step; j++)
      if (bits[j] !== 0) {
        if (nz.length >= 2 * MAX_NONZERO) return undefined;
        nz.push(j, bits[j]!);
      }
  }
  return { kid, iss: payload.iss, lst: payload.lst, iat: payload.iat, ttl: payload.ttl, nz };
}

/** The status at `position` of a decoded list (binary search of its non-zero bytes). */
function decodedStatus(decoded: DecodedList, position: number): CertificateStatus {
  const byte = position >> 2;
  let value = 0;
  for (let lo = 0, hi = decoded.nz.length / 2 - 1; lo <= hi;) {
    const mid = (lo + hi) >> 1;
    const at = decoded.nz[2 * mid]!;
    if (at === byte) {
      value = decoded.nz[2 * mid + 1]!;
      break;
    }
    if (at < byte) lo = mid + 1;
    else hi = mid - 1;
  }
  return statusAt(Uint8Array.of(value), position & 3);
}

/** A list read: the status asked for, and what to keep of the list for later visits. */
interface ReadList {
  info: StatusInfo;
  /** Builds the form to keep (its decoded form when sparse): after the verdict, not before. */
  toKeep(): Kept;
}

/** Verifies a list (natively when the browser can) and reads one status. */
async function readList(
  jws: string,
  keys: KeySet,
  expected: Expected,
  position: number,
  now: number,
): Promise<ReadList> {
  const payload = await verifyNatively(() => verifyStatusList(jws, keys, expected));
  if (payload.size !== STATUS_LIST_SIZE) throw new Error('unexpected list size');
  const bits = await gunzipExactly(fromBase64url(payload.lst_gz), payload.size / 4);
  const info: StatusInfo = {
    state: statusAt(bits, position),
    asOf: payload.iat,
    stale: now > payload.iat + payload.ttl,
  };
  return {
    info,
    toKeep: () => {
      const decoded = sparse(String(parseCompactJws(jws.trim()).header.kid), payload, bits);
      return decoded ? { jws, decoded } : { jws };
    },
  };
}

/** A kept list's status: from its decoded form while its key still holds, else verified again. */
async function readKept(
  kept: Kept,
  keys: KeySet,
  expected: Expected,
  position: number,
  now: number,
): Promise<StatusInfo> {
  const decoded = kept.decoded;
  const key = decoded && keys.find((k) => k.kid === decoded.kid);
  if (decoded && key) {
    try {
      checkStatusListKey(key, decoded, expected);
      return {
        state: decodedStatus(decoded, position),
        asOf: decoded.iat,
        stale: now > decoded.iat + decoded.ttl,
      };
    } catch {
      // not for this certificate, or its key no longer vouches for it: read the list itself
    }
  }
  return (await readList(kept.jws, keys, expected, position, now)).info;
}

function readCached(expected: Expected): Kept | undefined {
  try {
    const text = localStorage.getItem(cacheKey(expected));
    if (text === null) return undefined;
    if (!text.startsWith('{')) return { jws: text }; // kept by an earlier version: the JWS alone
    const kept = JSON.parse(text) as Kept;
    return typeof kept.jws === 'string' ? kept : undefined;
  } catch {
    return undefined;
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
  prefetched?: Prefetch,
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
  const cached = readCached(expected);
  if (fetched !== undefined) {
    let read: ReadList;
    try {
      read = await readList(fetched, keys, expected, position, now);
    } catch {
      return { state: 'unverifiable' };
    }
    const cachedIat = cached ? (cached.decoded?.iat ?? unverifiedNumber(cached.jws, 'iat')) : -1;
    if (cached && cachedIat > (read.info.asOf ?? 0)) {
      try {
        return await readKept(cached, keys, expected, position, now);
      } catch {
        // the cached list does not verify (any more): the fetched one stands, and replaces it
      }
    }
    // Kept once the answer is on screen: decoding the list to keep it is not the verdict's work.
    afterNextFrame(() => {
      try {
        localStorage.setItem(cacheKey(expected), JSON.stringify(read.toKeep()));
      } catch {
        // storage full or disabled: the answer stands, offline checks will say "unchecked"
      }
    });
    return read.info;
  }
  if (!cached) return { state: 'unchecked' };
  try {
    return await readKept(cached, keys, expected, position, now);
  } catch {
    return { state: 'unverifiable' };
  }
}
