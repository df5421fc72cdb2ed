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
 *
 * Its bundle carries no strict Ed25519 verifier: web/build.ts puts first-check-fallbacks.ts in
 * its place, and whatever only it could answer (an old browser, a signature the native check
 * refuses, a key never checked strict) makes the first check step aside for the full check.
 * It is written in index.html's head, as a classic script: it runs before the body is parsed,
 * with nothing else to load first. The status list and the signature check are on their way
 * while the parser reads the body; what draws waits for the body (`parsed`).
 */
import { knownStrictKeys, verifyNatively } from '../../shared/ed25519-native.ts';
import type { KeptTrustList } from '../../shared/trust-list-core.ts';
import { checkClaimsRules, verifyWith, type Verified } from '../../shared/verify-core.ts';
import { firstCheckDeclined } from './first-check-fallbacks.ts';
import { drawStaticTexts, pageLang, VERDICT_STRINGS } from './i18n-verdict.ts';
import { HANDOVER_SEPARATOR } from './owned.ts';
import type { LogInfo } from './log-info.ts';
import { afterNextFrame, nextFrameDone } from './dom.ts';
import { isolateFromOpener } from './isolate.ts';
import { placeScannerControls } from './scanner-controls.ts';
import { outcomeOf, renderOutcome } from './render.ts';
import {
  certificateStatus,
  dropStartedPrefetch,
  startPrefetch,
  type StatusInfo,
} from './status.ts';
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

/**
 * The page's link as a certificate code, or undefined when its fragment holds none to check
 * at once (no fragment, an account recovery, a seller's hand-over code: main.ts handles those).
 */
function ownLink(): { fragment: string; input: string } | undefined {
  const fragment = location.hash.slice(1);
  if (!fragment || fragment.startsWith('recover=') || fragment.includes(HANDOVER_SEPARATOR))
    return undefined;
  return { fragment, input: `${location.origin}${location.pathname}#${fragment}` };
}

/** The first check of the page's own link, or undefined when the full check must decide. */
export async function firstCheck(): Promise<FirstCheck | undefined> {
  const link = ownLink();
  if (!link) return undefined;
  const { fragment, input } = link;
  // The status list is on its way while the signature is checked (and for the full check, if
  // this one steps aside).
  const prefetch = startPrefetch(input);
  const trust = keptTrust();
  if (!trust) return undefined;
  if (trust.strictKeys) knownStrictKeys(trust.keys.map((k) => k.publicKey));
  const verdict = await verifyNatively(() =>
    verifyWith(input, trust.keys, { now: new Date() }, checkClaimsRules),
  );
  if (!verdict.ok || verdict.keyCompromisedSince !== undefined || firstCheckDeclined())
    return undefined;
  // Whether the list names a log (its policy itself is the full check's to read).
  const namesLog = trust.list?.payload.log !== undefined;
  if (namesLog && verdict.logIndex === undefined) return undefined;
  // An authentic certificate is judged only with its status: a stolen watch is never green.
  const status = await certificateStatus(
    verdict.claims.iss,
    verdict.claims.sli,
    trust.keys,
    Math.floor(Date.now() / 1000),
    prefetch,
  );
  if (firstCheckDeclined()) return undefined;
  const log: LogInfo = namesLog ? { state: 'checking' } : { state: 'none' };
  await parsed();
  if (location.hash.slice(1) !== fragment) return undefined; // another link meanwhile
  const lang = pageLang();
  if (lang !== 'en') drawStaticTexts(VERDICT_STRINGS[lang], lang); // the HTML is in English
  showHeader(); // with the verdict, in its frame
  renderOutcome(
    document.getElementById('verdict')!,
    outcomeOf(verdict, status, undefined, log),
    VERDICT_STRINGS[lang],
    lang,
    true,
  );
  // For measurement (bench:web): navigation start to the verdict written, and to the first
  // animation frame that shows it.
  performance.mark('hallmark:verdict');
  requestAnimationFrame(() => performance.mark('hallmark:verdict-frame'));
  dropStartedPrefetch(); // used: the full check will not need it
  return { input, verdict, status, log, trust };
}

/** Resolves once the parser has read the whole page (at once when it has). */
function parsed(): Promise<void> {
  if (document.readyState !== 'loading') return Promise.resolve();
  return new Promise((resolve) =>
    document.addEventListener('DOMContentLoaded', () => resolve(), { once: true }),
  );
}

/**
 * While the first check of a link runs, nothing is drawn: the page's first frame is its
 * verdict, with the header. A frame of the page without it (text laid out for the first time
 * in a fresh page) would otherwise stand between the status list's arrival and the verdict.
 * Should the verdict be slow to come (a slow network), the header shows after HEADER_DELAY_MS.
 * The rest (the scanner and its controls, the footer) comes in the frame after the verdict's:
 * it never waits long (the verdict is one frame, a declined check none, a hidden tab, which
 * draws no frames, at most 100 ms).
 */
const HEADER_DELAY_MS = 300;
function verdictFirst(): () => void {
  document.documentElement.dataset.first = 'alone';
  setTimeout(showHeader, HEADER_DELAY_MS);
  return () => {
    showHeader();
    afterNextFrame(() => showRest(document.documentElement));
  };
}

function showHeader(): void {
  const root = document.documentElement;
  if (root.dataset.first === 'alone') root.dataset.first = 'verdict';
}

/** The scanner (its controls placed, in the page's language) and the footer. */
function showRest(root: HTMLElement): void {
  if (placeScannerControls()) {
    const lang = pageLang();
    if (lang !== 'en') {
      drawStaticTexts(VERDICT_STRINGS[lang], lang);
      document.getElementById('camera')!.textContent = VERDICT_STRINGS[lang].startCamera;
    }
  }
  delete root.dataset.first;
}

async function boot(): Promise<void> {
  if (isolateFromOpener()) return; // the page goes where no opener can reach it
  // Without a link there is nothing to wait for: the scanner is there from the first frame.
  const checked = location.hash.length > 1 ? verdictFirst() : undefined;
  if (!checked) {
    await parsed();
    showRest(document.documentElement);
  }
  try {
    globalThis.hallmarkFirstCheck = await firstCheck();
  } catch {
    globalThis.hallmarkFirstCheck = undefined; // the full check decides
  }
  await parsed(); // a check that stepped aside may have been quicker than the parser
  checked?.();
  // The rest of the page loads once the verdict's frame is out: compiling and running it must
  // not compete with drawing the verdict (two cores on a phone, and fewer to spare).
  if (globalThis.hallmarkFirstCheck) {
    await nextFrameDone();
    await nextFrameDone();
  }
  await import(new URL(__APP__, document.baseURI).href);
}

void boot();
