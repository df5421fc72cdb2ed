/**
 * The verdict screens. Claims are rendered with text nodes only (see dom.ts). Three honest
 * states, and the page never shows green for what it could not check:
 * - green AUTHENTIC: a valid signature, and a verified, current status list that says active;
 * - amber CHECK_ONLINE: a valid signature, but the status is unknown or out of date;
 * - red: NOT AUTHENTIC, REVOKED, REPORTED STOLEN, REPLACED.
 * The neutral screens (scanner, checking) carry no verdict colour or symbol.
 */
import type { Claims } from '../../shared/claims-core.ts';
import type { ErrorCode } from '../../shared/errors.ts';
import { el, show } from './dom.ts';
import { formatDate, type Lang, type VerdictStrings as Strings } from './i18n-verdict.ts';
import { logBlocksGreen, type LogInfo } from './log-info.ts';
import type { StatusInfo } from './status.ts';
import type { Verdict } from '../../shared/verify-core.ts';

export type Outcome =
  | {
      ok: true;
      claims: Claims;
      kid: string;
      brandName: string;
      status: StatusInfo;
      /** Its key was compromised later: whether the brand's registry confirmed it. */
      compromised?: 'confirmed' | 'unconfirmed';
      /** What the public issuance log says of it. */
      log?: LogInfo;
    }
  | { ok: false; code: ErrorCode };

/** Verdict headings for an authentic certificate whose status is not active: as red as NOT AUTHENTIC. */
const STATUS_VERDICTS = {
  revoked: { verdict: 'REVOKED', title: 'revoked', lead: 'revokedLead' },
  stolen: { verdict: 'REPORTED_STOLEN', title: 'stolen', lead: 'stolenLead' },
  replaced: { verdict: 'REPLACED', title: 'replaced', lead: 'replacedLead' },
} as const;

function statusNote(status: StatusInfo, t: Strings, lang: Lang): HTMLElement | undefined {
  const date = status.asOf === undefined ? '' : formatDate(status.asOf, lang, true);
  if (status.state === 'unchecked')
    return el(
      'p',
      { class: 'status-note status-note--warn', 'data-status': 'unchecked' },
      t.statusUnchecked,
    );
  if (status.state === 'unverifiable')
    return el(
      'p',
      { class: 'status-note status-note--warn', 'data-status': 'unverifiable' },
      t.statusUnverifiable,
    );
  const text =
    status.state === 'active'
      ? t.statusActive.replace('{date}', date)
      : t.statusAsOf.replace('{date}', date);
  return el(
    'p',
    {
      class: `status-note${status.stale ? ' status-note--warn' : ''}`,
      'data-status': status.state,
    },
    text,
    ...(status.stale ? [` ${t.statusStale}`] : []),
  );
}

function logNote(log: LogInfo | undefined, issuedAt: number, t: Strings, lang: Lang) {
  if (!log || log.state === 'none') return undefined;
  const attrs = (warn: boolean) => ({
    class: `status-note${warn ? ' status-note--warn' : ''}`,
    'data-log': log.state,
  });
  switch (log.state) {
    case 'checking':
      return el('p', attrs(false), t.logChecking);
    case 'recorded':
      return el(
        'p',
        { ...attrs(false), 'data-log-index': String(log.index) },
        (log.live ? t.logRecorded : t.logRemembered)
          .replace('{date}', formatDate(log.live ? issuedAt : log.at, lang, !log.live))
          .replace('{index}', log.index.toLocaleString(lang)),
      );
    case 'unchecked':
      return el(
        'p',
        attrs(true),
        log.lastAt === undefined
          ? t.logUnchecked
          : t.logLastSeen
              .replace('{date}', formatDate(log.lastAt, lang, true))
              .replace('{size}', (log.lastSize ?? 0).toLocaleString(lang)),
      );
    case 'missing':
      return el('p', { ...attrs(true), role: 'alert' }, t.logMissing);
    case 'split-view':
      return el('p', { ...attrs(true), role: 'alert' }, t.logSplitView);
  }
}

/** The plain-words reason for each rejection code. */
export function reasonFor(code: ErrorCode, t: Strings): string {
  switch (code) {
    case 'SIGNATURE_INVALID':
    case 'CLAIMS_INVALID':
      return t.reasonAltered;
    case 'UNKNOWN_KEY':
    case 'BAD_ALGORITHM':
      return t.reasonUnknownSigner;
    case 'KEY_NOT_VALID_AT_ISSUE_TIME':
      return t.reasonKeyWindow;
    case 'KEY_NOT_FOR_BRAND':
      return t.reasonWrongBrand;
    case 'KEY_COMPROMISED':
      return t.reasonCompromised;
    case 'ISSUED_IN_FUTURE':
      return t.reasonFuture;
    case 'NOT_A_CERTIFICATE':
      return t.reasonNotHallmark;
    default:
      return t.reasonDamaged;
  }
}

/**
 * The verdict heading: focusable, with the machine-readable verdict for tests and tools, and
 * marked for Element Timing (when the browser presented it: bench:web reads it).
 */
function heading(
  verdict: string,
  icon: string,
  text: string,
  extra: Record<string, string> = {},
): HTMLElement {
  return el(
    'h1',
    {
      id: 'verdict-title',
      class: 'verdict__title',
      tabindex: '-1',
      elementtiming: 'verdict',
      'data-verdict': verdict,
      ...extra,
    },
    el('span', { class: 'verdict__icon', 'aria-hidden': 'true' }, icon),
    text,
  );
}

function detail(label: string, value: string, cls = ''): HTMLElement {
  return el('div', { class: `detail ${cls}`.trim() }, el('dt', {}, label), el('dd', {}, value));
}

/** Whether a status lets the page show green: verified, current and active. Nothing else does. */
export function statusConfirmsActive(status: StatusInfo): boolean {
  return status.state === 'active' && status.stale !== true && status.asOf !== undefined;
}

/** The outcome to show for a verdict and what else is known of the certificate. */
export function outcomeOf(
  verdict: Verdict,
  status: StatusInfo,
  compromised?: 'confirmed' | 'unconfirmed',
  log?: LogInfo,
): Outcome {
  return verdict.ok
    ? {
        ok: true,
        claims: verdict.claims,
        kid: verdict.kid,
        brandName: verdict.brandName ?? verdict.claims.iss,
        status,
        ...(compromised ? { compromised } : {}),
        ...(log ? { log } : {}),
      }
    : { ok: false, code: verdict.code };
}

/** The verdict of an outcome, as a heading and a row of the tray show it (and tests read it). */
export type VerdictName =
  | 'AUTHENTIC'
  | 'CHECK_ONLINE'
  | 'NOT_AUTHENTIC'
  | (typeof STATUS_VERDICTS)[keyof typeof STATUS_VERDICTS]['verdict'];

/** The one rule for the colour of a verdict: green only when everything was checked. */
export function verdictName(outcome: Outcome): VerdictName {
  if (!outcome.ok) return 'NOT_AUTHENTIC';
  const flagged = STATUS_VERDICTS[outcome.status.state as keyof typeof STATUS_VERDICTS];
  if (flagged) return flagged.verdict;
  return statusConfirmsActive(outcome.status) &&
    outcome.compromised !== 'unconfirmed' &&
    !logBlocksGreen(outcome.log)
    ? 'AUTHENTIC'
    : 'CHECK_ONLINE';
}

/** Renders a verdict into the verdict region and moves focus to its heading. */
export function renderOutcome(
  region: HTMLElement,
  outcome: Outcome,
  t: Strings,
  lang: Lang,
  focus = true,
): void {
  const flagged =
    outcome.ok && outcome.status.state in STATUS_VERDICTS
      ? STATUS_VERDICTS[outcome.status.state as keyof typeof STATUS_VERDICTS]
      : undefined;
  const confirmed = verdictName(outcome) === 'AUTHENTIC';
  region.className = confirmed
    ? 'verdict verdict--ok'
    : outcome.ok && !flagged
      ? 'verdict verdict--warn'
      : 'verdict verdict--bad';
  if (outcome.ok) {
    const c = outcome.claims;
    const note = statusNote(outcome.status, t, lang);
    const log = logNote(outcome.log, c.iat, t, lang);
    show(
      region,
      flagged
        ? heading(flagged.verdict, '✕', t[flagged.title])
        : confirmed
          ? heading('AUTHENTIC', '✓', t.authentic)
          : heading('CHECK_ONLINE', '!', t.checkOnline),
      el(
        'p',
        { class: flagged ? 'verdict__reason' : 'verdict__lead' },
        flagged
          ? t[flagged.lead]
          : confirmed
            ? t.authenticLead
            : outcome.compromised === 'unconfirmed'
              ? t.compromisedLead
              : logBlocksGreen(outcome.log)
                ? t.logLead
                : t.checkOnlineLead,
      ),
      ...(outcome.compromised === 'confirmed'
        ? [
            el(
              'p',
              { class: 'status-note', 'data-compromised': 'confirmed' },
              t.compromisedConfirmed,
            ),
          ]
        : []),
      // The brand's name comes from the trust list the page verified, never from the certificate.
      el(
        'p',
        { class: 'signed-by', 'data-brand': c.iss },
        t.signedByBrand.replace('{brand}', () => outcome.brandName),
      ),
      ...(note ? [note] : []),
      ...(log ? [log] : []),
      el(
        'div',
        { class: 'serial' },
        el('span', { class: 'serial__label' }, t.serial),
        el('span', { class: 'serial__value', 'data-claim': 'sn' }, c.sn),
        el('span', { class: 'serial__hint' }, t.compareSerial),
      ),
      el('p', { class: 'model', 'data-claim': 'mdl' }, c.mdl),
      el(
        'dl',
        { class: 'details' },
        detail(t.brand, `${outcome.brandName} (${c.iss})`),
        detail(t.reference, c.ref),
        detail(t.case, c.cas),
        detail(t.calibre, c.cal),
        detail(t.manufactured, formatDate(c.mfd, lang)),
        detail(t.issued, formatDate(c.iat, lang, true)),
        detail(t.generation, `#${c.gen}`),
        detail(t.signedBy, outcome.kid.slice(0, 12), 'detail--small'),
      ),
    );
  } else {
    show(
      region,
      heading('NOT_AUTHENTIC', '✕', t.notAuthentic, { 'data-code': outcome.code }),
      el('p', { class: 'verdict__reason' }, reasonFor(outcome.code, t)),
      el('p', { class: 'verdict__advice' }, t.adviceNotAuthentic),
    );
  }
  region.hidden = false;
  if (focus) region.querySelector<HTMLElement>('#verdict-title')?.focus();
}

/** Clears the verdict region (no verdict shown). */
export function clearOutcome(region: HTMLElement): void {
  region.className = 'verdict';
  region.replaceChildren();
  region.hidden = true;
}
