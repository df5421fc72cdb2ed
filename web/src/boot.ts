/**
 * The page's first check, before the rest of the page loads: the certificate in the page's
 * own link, verified against the trust the page holds, judged with its status and on screen
 * as soon as the browser can draw it. This file is kept small (no schema library, no log
 * proofs, no scanner): it is all a buyer's phone runs before the verdict.
 *
 * It shows only what the full check (main.ts) would show for the same link: an authentic
 * signature (claims accepted by the same rules as the schema's), judged with the status
 * read by the same code. Everything else it leaves to the full check, which words refusals
 * field by field: a certificate that does not verify, a signer it does not know (the full
 * check fetches the trust list again), a key stolen later (the brand's registry must confirm
 * it), a hand-over code, a card without its log entry, or a kept trust list it would have to
 * verify first. The log line is "checking" until the full check has read the log. The full
 * check loads next in every case, and takes over what is on screen.
 */
import { verifyNatively } from '../../shared/ed25519-native.ts';
import type { KeptTrustList } from '../../shared/trust-list-core.ts';
import { checkClaimsRules, verifyWith, type Verified } from '../../shared/verify-core.ts';
import { drawStaticTexts, pageLang, VERDICT_STRINGS } from './i18n-verdict.ts';
import type { LogInfo } from './log-info.ts';
import { HANDOVER_SEPARATOR } from './owned.ts';
import { outcomeOf, renderOutcome } from './render.ts';
import { certificateStatus, prefetchFor, type StatusInfo } from './status.ts';
import { keptTrust, type Trust } from './trust-held.ts';

/** The rest of the page (main.ts's bundle), relative to the page. */
declare const __APP__: string;
declare const __TRUST_LIST__: KeptTrustList | null;

/** The list baked into this file, for the rest of the page too (see trust-held.ts). */
globalThis.hallmarkBakedTrustList = __TRUST_LIST__;

/** What the first check put on screen, for the full check to take over. */
export interface FirstCheck {
  input: string;
  verdict: Verified;
  status: StatusInfo;
  log: LogInfo;
  trust: Trust;
}

declare global {
  var hallmarkFirstCheck: FirstCheck | undefined;
}

/** The first check of the page's own link, or undefined when the full check must decide. */
export async function firstCheck(): Promise<FirstCheck | undefined> {
  const fragment = location.hash.slice(1);
  if (!fragment || fragment.startsWith('recover=') || fragment.includes(HANDOVER_SEPARATOR))
    return undefined;
  const input = `${location.origin}${location.pathname}#${fragment}`;
  // The status list is on its way while the signature is checked.
  const prefetch = prefetchFor(input);
  const trust = keptTrust();
  if (!trust) return undefined;
  const verdict = await verifyNatively(() =>
    verifyWith(input, trust.keys, { now: new Date() }, checkClaimsRules),
  );
  if (!verdict.ok || verdict.keyCompromisedSince !== undefined) return undefined;
  const policy = trust.list?.log;
  if (policy && verdict.logIndex === undefined) return undefined;
  // An authentic certificate is judged only with its status: a stolen watch is never green.
  const status = await certificateStatus(
    verdict.claims.iss,
    verdict.claims.sli,
    trust.keys,
    Math.floor(Date.now() / 1000),
    prefetch,
  );
  const log: LogInfo = policy ? { state: 'checking' } : { state: 'none' };
  if (location.hash.slice(1) !== fragment) return undefined; // another link meanwhile
  const lang = pageLang();
  if (lang !== 'en') {
    drawStaticTexts(VERDICT_STRINGS[lang], lang); // the HTML is written in English
    document.getElementById('camera')!.textContent = VERDICT_STRINGS[lang].startCamera;
  }
  renderOutcome(
    document.getElementById('verdict')!,
    outcomeOf(verdict, status, undefined, log),
    VERDICT_STRINGS[lang],
    lang,
    true,
  );
  // For measurement (bench:web): navigation start to verdict on screen.
  performance.mark('hallmark:verdict');
  return { input, verdict, status, log, trust };
}

/**
 * While the first check of a link runs, the page lays out and draws its verdict alone: the
 * rest (the scanner, the footer: styles.css, html[data-first]) comes in the frame after the
 * verdict's. A first layout of the whole page would otherwise stand between the status list's
 * arrival and the verdict. The rest never waits long: the verdict is one frame, a declined
 * check none, a hidden tab (no frames) at most SHOW_REST_MS.
 */
const SHOW_REST_MS = 100;
function verdictFirst(): () => void {
  const root = document.documentElement;
  root.dataset.first = '';
  const showRest = () => delete root.dataset.first;
  return () => {
    requestAnimationFrame(() => setTimeout(showRest, 0)); // after the verdict's frame
    setTimeout(showRest, SHOW_REST_MS);
  };
}

async function boot(): Promise<void> {
  const verdictDrawn = location.hash.length > 1 ? verdictFirst() : undefined;
  try {
    globalThis.hallmarkFirstCheck = await firstCheck();
  } catch {
    globalThis.hallmarkFirstCheck = undefined; // the full check decides
  } finally {
    verdictDrawn?.();
  }
  await import(new URL(__APP__, document.baseURI).href);
}

void boot();
