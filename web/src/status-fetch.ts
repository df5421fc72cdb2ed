/**
 * Fetching a certificate's status list before the certificate is verified: the index read
 * from the unverified code only chooses which public file to fetch, and the answer is used
 * only if the verified index points to the same list (status.ts verifies the list itself).
 */
import { peekStatusIndex } from '../../shared/compact.ts';
import { digitsToBytes } from '../../shared/digits.ts';
import { listPosition, STATUS_LIST_SIZE } from '../../shared/status-list.ts';

/** A status list on its way: which list, and its text (undefined if it could not be fetched). */
export interface Prefetch {
  list: number;
  text: Promise<string | undefined>;
}

/** The status fetch the first check started for the page's own link, for the full check. */
interface StartedPrefetch {
  input: string;
  prefetch: Prefetch | undefined;
}

declare global {
  var hallmarkStartedStatus: StartedPrefetch | undefined;
}

/** Starts fetching the list for `sli` (when online). */
export function prefetchStatusList(sli: number, timeoutMs = 2000): Prefetch | undefined {
  if (!navigator.onLine) return undefined;
  const { list } = listPosition(sli, STATUS_LIST_SIZE);
  return { list, text: fetchList(list, timeoutMs) };
}

/** The list's text, or undefined when it could not be fetched (offline, error, timeout). */
export async function fetchList(list: number, timeoutMs: number): Promise<string | undefined> {
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

/**
 * The status-list index written in a QR code (a link or its digits), read before verification
 * and without decoding the rest (see above): undefined when there is none to read.
 */
export function statusIndexHint(input: string): number | undefined {
  const text = input.trim();
  const digits = /^https?:\/\//i.test(text) ? text.slice(text.indexOf('#') + 1) : text;
  if (!/^[0-9]{1,7100}$/.test(digits)) return undefined;
  try {
    return peekStatusIndex(digitsToBytes(digits));
  } catch {
    return undefined; // not decodable: the verifier will say why
  }
}

/** Starts fetching the status list a code names, before it is verified (when online). */
export function prefetchFor(input: string): Prefetch | undefined {
  const sli = statusIndexHint(input);
  return sli === undefined ? undefined : prefetchStatusList(sli);
}

/**
 * Starts the status fetch for the page's own link (the first check, boot.ts), and leaves it
 * for the full check too, should the first check step aside: the list is fetched once.
 */
export function startPrefetch(input: string): Prefetch | undefined {
  const prefetch = prefetchFor(input);
  globalThis.hallmarkStartedStatus = { input, prefetch };
  return prefetch;
}

/** Drops the fetch the first check started (it used it: a later check fetches afresh). */
export function dropStartedPrefetch(): void {
  globalThis.hallmarkStartedStatus = undefined;
}

/**
 * The status fetch for `input`: the one the first check started, taken once and only for the
 * link it was started for, else a new one.
 */
export function takePrefetch(input: string): Prefetch | undefined {
  const started = globalThis.hallmarkStartedStatus;
  globalThis.hallmarkStartedStatus = undefined;
  return started?.input === input ? started.prefetch : prefetchFor(input);
}
