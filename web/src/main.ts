/**
 * The verification page. Reads the certificate from the URL fragment (never sent to a
 * server), verifies it with the shared verifier against the trusted keys, and shows the
 * verdict. Works offline once loaded (service worker), refreshes keys when online.
 */
import { verifyNatively } from '../../shared/ed25519-native.ts';
import { verify, type Verdict, type Verified } from '../../shared/verify.ts';
import { el, show } from './dom.ts';
import { drawStaticTexts, formatDate, pageLang, STRINGS, type Lang, type Strings } from './i18n.ts';
import type { FirstCheck } from './boot.ts';
import { clearOutcome, outcomeOf, renderOutcome } from './render.ts';
import { askRegistry } from './registry.ts';
import { decodeImageFile, startCamera } from './scanner.ts';
import type { StatusInfo } from './status.ts';
import { currentTrust, refreshTrust } from './trust.ts';
import { assess, takePrefetch, type TrustHolder } from './assess.ts';
import { checkLog, logBlocksGreen, type LogInfo } from './log.ts';
import { getOwned, HANDOVER_SEPARATOR } from './owned.ts';
import { placeScannerControls, releaseControls } from './scanner-controls.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let lang: Lang = pageLang();
let t: Strings = STRINGS[lang];
/** The trust this page verifies with (assess() may replace it with a fresher list). */
const trustHolder: TrustHolder = { current: { keys: [], list: undefined, source: 'none', at: 0 } };
/** The trust list verified at start (the first check waits for it). */
const trustReady = currentTrust().then((held) => (trustHolder.current = held));
let lastInput: string | undefined;
let lastVerdict: Verdict | undefined;
/** What the signature alone said for the verdict on screen (see Assessment.signature). */
let lastSignature: Verdict | undefined;
let lastStatus: StatusInfo = { state: 'unchecked' };
/** For a certificate whose key was compromised later: did the brand's registry confirm it? */
let lastCompromised: 'confirmed' | 'unconfirmed' | undefined;
let lastLog: LogInfo | undefined;
let stopCamera: (() => void) | undefined;
/** A seller's transfer code the current certificate came with (a hand-over QR). */
let pendingTransfer: string | undefined;
/** The certificate and language the owner's part was last drawn for. */
let ownerShownFor = '';
/** The tray check, once opened (its code loads on first use). */
let tray: { render(): void } | undefined;

/** Texts of the static page in the current language. */
function renderStatic(): void {
  drawStaticTexts(t, lang);
  $('camera').textContent = stopCamera ? t.stopCamera : t.startCamera;
  renderKeysInfo();
}

function renderKeysInfo(): void {
  const trust = trustHolder.current;
  const parts: HTMLElement[] = [];
  if (trust.list) {
    const listDate = formatDate(trust.list.payload.iat, lang, true);
    parts.push(
      el(
        'span',
        { 'data-trust-seq': String(trust.list.payload.seq) },
        t.trustList.replace('{date}', listDate),
      ),
    );
    if (trust.source === 'refreshed')
      parts.push(
        el(
          'span',
          {},
          ` ${t.trustChecked.replace('{date}', formatDate(Math.floor(trust.at / 1000), lang, true))}`,
        ),
      );
  } else {
    parts.push(el('span', { class: 'offline' }, t.trustNone));
  }
  if (!navigator.onLine) parts.push(el('span', { class: 'offline' }, ` ${t.offline}`));
  show($('keys-info'), ...parts);
}

function renderVerdict(
  verdict: Verdict,
  status: StatusInfo = lastStatus,
  compromised: 'confirmed' | 'unconfirmed' | undefined = lastCompromised,
  log: LogInfo | undefined = lastLog,
  focus = true,
  /** Already on screen, drawn by the first check (boot.ts) from the same inputs. */
  drawn = false,
): void {
  lastVerdict = verdict;
  lastStatus = status;
  lastCompromised = compromised;
  lastLog = log;
  if (!drawn)
    renderOutcome($('verdict'), outcomeOf(verdict, status, compromised, log), t, lang, focus);
  $('ownership').hidden = !verdict.ok;
  show($('ownership-result'));
  if (!verdict.ok) {
    ownerShownFor = '';
    show($('owner'));
  } else if (ownerShownFor !== `${verdict.jws} ${lang} ${status.state}`) {
    ownerShownFor = `${verdict.jws} ${lang} ${status.state}`;
    void showOwner();
  }
  $('again').hidden = false;
  // For measurement (bench:web): navigation start to the verdict written, and to its frame.
  if (!drawn) {
    performance.mark('hallmark:verdict');
    requestAnimationFrame(() => performance.mark('hallmark:verdict-frame'));
  }
}

/** Verifies `input`, refreshing the keys at once if the signer is unknown and we are online. */
async function check(scanned: string): Promise<void> {
  // A seller's hand-over QR: the certificate link, then the one-time transfer code.
  const handover = new RegExp(`^([^]*)${HANDOVER_SEPARATOR}([0-9A-Za-z]{20})$`).exec(scanned);
  const input = handover ? handover[1]! : scanned;
  pendingTransfer = handover?.[2];
  if (handover) ownerShownFor = '';
  const previous = input === lastInput ? lastVerdict : undefined;
  lastInput = input;
  if (lastVerdict) {
    // Never leave the previous watch's verdict on screen while another is being checked.
    lastVerdict = undefined;
    const region = $('verdict');
    region.className = 'verdict';
    show(region, el('p', { class: 'checking' }, t.checking));
    $('ownership').hidden = true;
  }
  // The status list is fetched while the trust list loads and the signature is checked (for
  // the page's own link, the first check may have started the fetch already).
  const prefetch = takePrefetch(input);
  await trustReady;
  const assessment = await assess(input, trustHolder, prefetch);
  const { verdict, status: assessed, compromised } = assessment;
  let status = verdict.ok ? assessed : lastStatus;
  if (input !== lastInput) return; // a newer check started meanwhile
  // A second check of the same certificate (after a trust list refresh) never downgrades a
  // status it already knew to "unknown" because the network failed this time.
  if (
    verdict.ok &&
    previous?.ok &&
    previous.jws === verdict.jws &&
    (status.state === 'unchecked' || status.state === 'unverifiable') &&
    lastStatus.asOf !== undefined
  )
    status = lastStatus;
  // The public log: answered at once offline (what this device saw last); online, the
  // verdict shows first and the log line follows (it never delays the verdict).
  const policy = trustHolder.current.list?.log;
  const online = verdict.ok && policy && verdict.logIndex !== undefined && navigator.onLine;
  const log: LogInfo | undefined = !verdict.ok
    ? undefined
    : online
      ? { state: 'checking' }
      : await checkLog(verdict, policy);
  if (input !== lastInput) return;
  lastSignature = assessment.signature;
  renderVerdict(verdict, status, compromised, log);
  renderKeysInfo();
  if (online && verdict.ok) await followLog(input, verdict);
}

/** The log line of a verdict on screen that says "checking": read now, shown when known. */
async function followLog(input: string, shown: Verified): Promise<void> {
  const result = await checkLog(shown, trustHolder.current.list?.log);
  if (input !== lastInput || lastVerdict !== shown) return;
  // A finding that changes the verdict's colour takes the focus again; a log line does not.
  renderVerdict(shown, lastStatus, lastCompromised, result, logBlocksGreen(result));
  performance.mark('hallmark:log-checked');
}

/**
 * Takes over the verdict the first check (boot.ts) put on screen: the same inputs the full
 * check would have judged, so it is not checked again; the rest of the screen follows.
 */
async function adopt(first: FirstCheck): Promise<void> {
  lastInput = first.input;
  trustHolder.current = first.trust;
  lastSignature = first.verdict; // the first check declines a key stolen later
  renderVerdict(first.verdict, first.status, undefined, first.log, false, true);
  renderKeysInfo();
  if (first.log.state === 'checking') await followLog(first.input, first.verdict);
}

/** The owner's part for the verdict on screen: loaded after it, never delaying it. */
async function showOwner(notice?: string): Promise<void> {
  const verdict = lastVerdict;
  if (!verdict?.ok) return;
  const [{ renderOwner }, mine] = await Promise.all([
    import('./owner.ts'),
    getOwned(verdict.claims.iss, verdict.claims.sn),
  ]);
  if (lastVerdict !== verdict) return; // another certificate meanwhile
  renderOwner($('owner'), {
    claims: verdict.claims,
    kid: verdict.kid,
    jws: verdict.jws,
    ...(verdict.logIndex === undefined ? {} : { logIndex: verdict.logIndex }),
    active: !['revoked', 'stolen', 'replaced'].includes(lastStatus.state),
    mine,
    ...(pendingTransfer ? { transferCode: pendingTransfer } : {}),
    t,
    lang,
    ...(notice ? { notice } : {}),
    changed: (next) => void showOwner(next),
    handoverTaken: () => {
      pendingTransfer = undefined;
      if (location.hash.includes(HANDOVER_SEPARATOR))
        history.replaceState(null, '', location.href.split(HANDOVER_SEPARATOR)[0]);
    },
  });
}

/** Retailer mode, on request only: owners and last transfer from the brand's service. */
async function checkOwnership(): Promise<void> {
  if (!lastVerdict?.ok) return;
  const answer = await askRegistry(lastVerdict.jws);
  if (answer === undefined || answer === 'not-issued') {
    show(
      $('ownership-result'),
      el('p', { class: 'status-note status-note--warn' }, t.ownershipUnavailable),
    );
    return;
  }
  const last = answer.lastTransferAt
    ? formatDate(Math.floor(Date.parse(answer.lastTransferAt) / 1000), lang)
    : t.noTransfer;
  show(
    $('ownership-result'),
    el(
      'dl',
      { class: 'details' },
      el(
        'div',
        { class: 'detail' },
        el('dt', {}, t.owners),
        el('dd', { 'data-owners': String(answer.owners) }, String(answer.owners)),
      ),
      el('div', { class: 'detail' }, el('dt', {}, t.lastTransfer), el('dd', {}, last)),
    ),
  );
}

/** The certificate in this page's own URL, as a link the verifier reads. */
function ownCertificate(): string | undefined {
  const fragment = location.hash.slice(1);
  return fragment ? `${location.origin}${location.pathname}#${fragment}` : undefined;
}

async function checkScanned(text: string): Promise<void> {
  stopScanner();
  await check(text.trim());
}

function stopScanner(): void {
  stopCamera?.();
  stopCamera = undefined;
  $('camera').textContent = t.startCamera;
  $<HTMLVideoElement>('preview').hidden = true;
}

function say(message: string): void {
  $('scan-status').textContent = message;
}

function wire(): void {
  $('lang').addEventListener('click', () => {
    lang = lang === 'en' ? 'fr' : 'en';
    t = STRINGS[lang];
    try {
      localStorage.setItem('hallmark.lang', lang);
    } catch {
      // private mode: the choice lasts for this visit only
    }
    renderStatic();
    if (lastVerdict) renderVerdict(lastVerdict);
    tray?.render();
  });
  $('tray-open').addEventListener('click', () => {
    stopScanner();
    void import('./tray.ts').then(({ openTray }) => {
      const section = $('tray');
      if (tray) {
        section.hidden = false;
        tray.render();
        $('tray-title').focus();
        return;
      }
      tray = openTray(section, {
        trust: trustHolder,
        ready: trustReady,
        strings: () => t,
        lang: () => lang,
      });
    });
  });
  $('camera').addEventListener('click', () => {
    if (stopCamera) return stopScanner();
    const video = $<HTMLVideoElement>('preview');
    video.hidden = false;
    say('');
    startCamera(video, (text) => void checkScanned(text))
      .then((stop) => {
        stopCamera = stop;
        $('camera').textContent = t.stopCamera;
      })
      .catch(() => {
        video.hidden = true;
        say(t.cameraUnavailable);
      });
  });
  $<HTMLInputElement>('photo').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    say('');
    decodeImageFile(file)
      .then((text) => (text ? checkScanned(text) : say(t.noCodeInPhoto)))
      .catch(() => say(t.noCodeInPhoto));
  });
  $<HTMLFormElement>('paste-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $<HTMLTextAreaElement>('paste').value;
    if (text.trim()) void check(text.trim());
  });
  $('again').addEventListener('click', () => {
    clearOutcome($('verdict'));
    $('ownership').hidden = true;
    $('again').hidden = true;
    history.replaceState(null, '', location.pathname);
    lastInput = undefined;
    lastVerdict = undefined;
    lastSignature = undefined;
    $('paste').focus();
  });
  window.addEventListener('hashchange', () => {
    const own = ownCertificate();
    if (own) void check(own);
  });
  $('ownership-check').addEventListener('click', () => void checkOwnership());
  window.addEventListener('online', renderKeysInfo);
  window.addEventListener('offline', renderKeysInfo);
}

function start(): void {
  // A recovery link from the e-mail: no certificate to check, a new owner key to fetch.
  const recovery = /^#recover=(rec_[A-Za-z0-9_-]{32})$/.exec(location.hash);
  if (recovery) {
    history.replaceState(null, '', location.pathname); // the token is not kept in history
    $('ownership').hidden = false;
    void import('./owner.ts').then(({ completeRecovery }) =>
      completeRecovery($('owner'), recovery[1]!, t),
    );
  }
  // The verdict first: the rest waits until it is on screen (or a moment, without one).
  const own = recovery ? undefined : ownCertificate();
  const booted = globalThis.hallmarkFirstCheck;
  const first = own && booted?.input === own ? adopt(booted) : own ? check(own) : Promise.resolve();
  placeScannerControls(); // the first check may not have placed them yet
  if (lang !== 'en') renderStatic(); // the HTML is written in English
  wire();
  releaseControls();
  void first.finally(() => setTimeout(afterFirstVerdict, 0));
}

/**
 * Whether a refreshed trust list changes what the signature alone says: valid or not, the
 * reason, or a key now known stolen (the registry's word is not compared: it was not asked
 * again, so a card the registry refused is not "changed" by a list that still trusts the key).
 */
function signatureChanged(again: Verdict, before: Verdict): boolean {
  if (again.ok && before.ok) return again.keyCompromisedSince !== before.keyCompromisedSince;
  if (!again.ok && !before.ok) return again.code !== before.code;
  return true;
}

/** Background work that must never delay the first verdict. */
function afterFirstVerdict(): void {
  void trustReady.then(renderKeysInfo);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker
      .register(new URL('sw.js', document.baseURI), { scope: './' })
      .catch(() => undefined);
  }
  // Refresh the trust list in the background when online. If it changes the verdict, check
  // again from the start (status included): a refresh never shows a verdict without its status.
  if (navigator.onLine) {
    void trustReady.then(async () => {
      const fresh = await refreshTrust(trustHolder.current);
      // For tests and tools: the background refresh has answered (adopted or refused).
      performance.mark('hallmark:trust-checked');
      if (!fresh) return;
      trustHolder.current = fresh;
      renderKeysInfo();
      if (lastInput && lastVerdict && lastSignature) {
        const input = lastInput;
        const shown = lastVerdict;
        const signed = lastSignature;
        const again = await verifyNatively(() =>
          verify(input, trustHolder.current.keys, { now: new Date() }),
        );
        if (input !== lastInput || shown !== lastVerdict) return; // another check meanwhile
        if (signatureChanged(again, signed)) void check(input);
      }
    });
  }
}

start();
