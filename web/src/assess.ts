/**
 * One certificate judged: the signature against the trusted keys (the trust list fetched
 * again at once when the signer is unknown and the page is online), its brand's status, and,
 * for a key stolen later, the brand registry's word. Shared by the single check and the tray.
 */
import { verifyNatively } from '../../shared/ed25519-native.ts';
import { verify, type Verdict } from '../../shared/verify.ts';
import { askRegistry } from './registry.ts';
import { certificateStatus, prefetchFor, type StatusInfo } from './status.ts';
import { refreshTrust, type Trust } from './trust.ts';

export { takePrefetch } from './status.ts';

export interface Assessment {
  verdict: Verdict;
  /**
   * What the signature alone says against the keys used (before the registry's word on a key
   * stolen later): what a later trust list refresh compares with to tell a changed verdict.
   */
  signature: Verdict;
  /** The status (state "unchecked" when the signature failed: there is no status to read). */
  status: StatusInfo;
  /** Its key was stolen later: whether the brand's registry confirmed the card. */
  compromised?: 'confirmed' | 'unconfirmed';
}

/** Where the page keeps the trust it verifies with; a refresh replaces it for every caller. */
export interface TrustHolder {
  current: Trust;
}

export async function assess(
  input: string,
  trust: TrustHolder,
  prefetch = prefetchFor(input),
): Promise<Assessment> {
  const verifyNow = () =>
    verifyNatively(() => verify(input, trust.current.keys, { now: new Date() }));
  let verdict = await verifyNow();
  if (!verdict.ok && verdict.code === 'UNKNOWN_KEY' && navigator.onLine) {
    const fresh = await refreshTrust(trust.current);
    if (fresh) {
      trust.current = fresh;
      verdict = await verifyNow();
    }
  }
  if (!verdict.ok) return { verdict, signature: verdict, status: { state: 'unchecked' } };
  // An authentic certificate is judged only with its status: a stolen watch is never green.
  const status = await certificateStatus(
    verdict.claims.iss,
    verdict.claims.sli,
    trust.current.keys,
    Math.floor(Date.now() / 1000),
    prefetch,
  );
  // Signed by a key compromised after the certificate's date: the date is the signer's word,
  // so only the brand's registry can confirm it. Not issued there: a forgery with a stolen key.
  if (verdict.keyCompromisedSince === undefined) return { verdict, signature: verdict, status };
  const answer = await askRegistry(verdict.jws);
  if (answer === 'not-issued')
    return {
      verdict: {
        ok: false,
        code: 'KEY_COMPROMISED',
        message: 'signed with a stolen key, and not issued by the brand',
      },
      signature: verdict,
      status,
    };
  return {
    verdict,
    signature: verdict,
    status,
    compromised: answer ? 'confirmed' : 'unconfirmed',
  };
}
