/**
 * Owning a watch from the page, with no account and no personal data:
 * - claim with the code from the box: the owner key comes back once, is kept on this device
 *   (IndexedDB) and can be saved as a file;
 * - "You are the registered owner (owner #N since …)" on every later scan on this device;
 * - the hand-over at the counter: the seller's page makes a one-time transfer code and shows
 *   it, with the certificate, as a QR code; the buyer's page scans it and takes ownership; the
 *   seller's key then stops working (the brand's service enforces it).
 * Loaded after a verdict is on screen: it never delays one.
 */
import type { Claims } from '../../shared/claims.ts';
import { fromBase64url } from '../../shared/bytes.ts';
import { toQr } from '../../shared/qr.ts';
import { el, show } from './dom.ts';
import { formatDate, type Lang, type Strings } from './i18n.ts';
import { deleteOwned, HANDOVER_SEPARATOR, ownedId, putOwned, type OwnedWatch } from './owned.ts';

export interface OwnerContext {
  claims: Claims;
  kid: string;
  jws: string;
  logIndex?: number;
  /** The watch's status allows a change of hands (active). */
  active: boolean;
  /** What this device holds for the watch. */
  mine: OwnedWatch | undefined;
  /** A transfer code the page was opened with (a seller's hand-over QR). */
  transferCode?: string;
  t: Strings;
  lang: Lang;
  /** A warning to show (after a change the page found out about). */
  notice?: string;
  /** Something changed: render again (the caller reads the device's record anew). */
  changed(notice?: string): void;
  /** The hand-over was taken: forget the code in the page's address. */
  handoverTaken(): void;
}

type Failure = keyof Pick<
  Strings,
  | 'ownerErrWrongCode'
  | 'ownerErrOwned'
  | 'ownerErrNotActive'
  | 'ownerErrExpired'
  | 'ownerErrLimited'
  | 'ownerErrOffline'
  | 'ownerErrFailed'
  | 'ownerErrRecoveryOff'
>;

/** POSTs to the brand's ownership API; the answer, or the failure to say. */
async function ask<T>(path: string, body: unknown): Promise<{ ok: T } | { failure: Failure }> {
  if (!navigator.onLine) return { failure: 'ownerErrOffline' };
  let response: Response;
  try {
    response = await fetch(new URL(path, document.baseURI), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      signal: AbortSignal.timeout(8000),
    });
  } catch {
    return { failure: 'ownerErrFailed' };
  }
  if (response.ok) return { ok: (await response.json()) as T };
  const code = ((await response.json().catch(() => undefined)) as { error?: { code?: string } })
    ?.error?.code;
  const failures: Record<string, Failure> = {
    CODE_REJECTED: 'ownerErrWrongCode',
    VALIDATION_FAILED: 'ownerErrWrongCode',
    OWNED: 'ownerErrOwned',
    NOT_ACTIVE: 'ownerErrNotActive',
    CODE_EXPIRED: 'ownerErrExpired',
    RATE_LIMITED: 'ownerErrLimited',
    RECOVERY_UNAVAILABLE: 'ownerErrRecoveryOff',
  };
  return { failure: (code && failures[code]) || 'ownerErrFailed' };
}

/** How long a hand-over code works. */
const HANDOVER_MINUTES = 15;

/** Draws `text` as a QR code on a canvas (the encoder is loaded only when one is shown). */
async function qrCanvas(text: string, label: string): Promise<HTMLCanvasElement> {
  const { default: QRCode } = await import('qrcode');
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const quiet = 4;
  const scale = 6;
  const size = (modules.size + 2 * quiet) * scale;
  const canvas = el('canvas', { width: String(size), height: String(size), role: 'img' });
  canvas.setAttribute('aria-label', label);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, size, size);
  ctx.fillStyle = '#000';
  for (let y = 0; y < modules.size; y++)
    for (let x = 0; x < modules.size; x++)
      if (modules.get(y, x)) ctx.fillRect((x + quiet) * scale, (y + quiet) * scale, scale, scale);
  return canvas;
}

/** Keeps a new owner key on this device; `kept` false when it could not (write it down). */
async function keep(key: {
  issuer: string;
  serial: string;
  owners: number;
  ownerKey: string;
}): Promise<{ watch: OwnedWatch; kept: boolean }> {
  const watch: OwnedWatch = {
    id: ownedId(key.issuer, key.serial),
    issuer: key.issuer,
    serial: key.serial,
    ownerKey: key.ownerKey,
    owners: key.owners,
    since: Math.floor(Date.now() / 1000),
  };
  try {
    await putOwned(watch);
    return { watch, kept: true };
  } catch {
    return { watch, kept: false };
  }
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  el('a', { href: url, download: name }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const keyFile = (w: OwnedWatch, t: Strings) =>
  `Hallmark owner key\r\nbrand: ${w.issuer}\r\nserial: ${w.serial}\r\nowner key: ${w.ownerKey}\r\n\r\n${t.ownerKeyOnce}\r\n`;

/** Renders the owner's part of the page for an authentic watch. */
export function renderOwner(container: HTMLElement, ctx: OwnerContext): void {
  const { t, claims } = ctx;
  const note = el(
    'p',
    {
      class: `owner__note${ctx.notice ? ' status-note status-note--warn' : ''}`,
      role: 'status',
      id: 'owner-note',
    },
    ctx.notice ?? '',
  );
  const fail = (failure: Failure) => {
    note.className = 'owner__note status-note status-note--warn';
    note.textContent = t[failure];
  };

  /** Registers this device as the owner with `code`; shows the key once. */
  const claim = async (code: string, email: string | undefined, button: HTMLButtonElement) => {
    button.disabled = true;
    const answer = await ask<{ owners: number; ownerKey: string }>('api/v1/ownership/claim', {
      serial: claims.sn,
      issuer: claims.iss,
      code,
      ...(email ? { email } : {}),
    });
    button.disabled = false;
    if ('failure' in answer) return fail(answer.failure);
    const { watch, kept } = await keep({ ...answer.ok, issuer: claims.iss, serial: claims.sn });
    if (ctx.transferCode) ctx.handoverTaken();
    showKeyOnce(watch, kept);
  };

  /** The key, once, to write down or save; then the owner's view. */
  const showKeyOnce = (watch: OwnedWatch, kept: boolean) => {
    const done = el('button', { type: 'button', id: 'owner-key-done' }, 'OK');
    const save = el('button', { type: 'button', id: 'owner-save' }, t.ownerSaveKey);
    save.addEventListener('click', () =>
      download(`hallmark-owner-key-${watch.issuer}-${watch.serial}.txt`, keyFile(watch, t)),
    );
    done.addEventListener('click', () => ctx.changed());
    show(
      container,
      ownerLine(watch),
      el('p', {}, t.ownerKeyOnce),
      el('p', { class: 'owner__key', id: 'owner-key' }, watch.ownerKey),
      ...(kept ? [] : [el('p', { class: 'status-note status-note--warn' }, t.ownerKeyNotKept)]),
      el('div', { class: 'owner__actions' }, save, done),
    );
    container.querySelector<HTMLElement>('#owner-key')?.setAttribute('tabindex', '-1');
    container.querySelector<HTMLElement>('#owner-key')?.focus();
  };

  const ownerLine = (watch: OwnedWatch) =>
    el(
      'p',
      { class: 'owner__line', id: 'owner-line', 'data-owner': String(watch.owners) },
      t.ownerLine
        .replace('{n}', String(watch.owners))
        .replace('{date}', formatDate(watch.since, ctx.lang)),
    );

  // Opened from a seller's hand-over QR: offer to take the watch.
  if (ctx.transferCode && ctx.active && !ctx.mine) {
    const take = el('button', { type: 'button', id: 'owner-take' }, t.ownerTake);
    const email = emailField(t);
    take.addEventListener(
      'click',
      () => void claim(ctx.transferCode!, email.input.value.trim() || undefined, take),
    );
    show(
      container,
      el('p', { class: 'owner__lead', id: 'owner-take-lead' }, t.ownerTakeLead),
      email.label,
      email.input,
      el('div', { class: 'owner__actions' }, take),
      note,
    );
    return;
  }

  if (ctx.mine) {
    const mine = ctx.mine;
    const handover = el('button', { type: 'button', id: 'owner-handover' }, t.ownerHandover);
    const save = el('button', { type: 'button', id: 'owner-save' }, t.ownerSaveKey);
    const qr = el('div', { class: 'owner__qr', id: 'owner-qr' });
    save.addEventListener('click', () =>
      download(`hallmark-owner-key-${mine.issuer}-${mine.serial}.txt`, keyFile(mine, t)),
    );
    handover.addEventListener('click', () => {
      void (async () => {
        handover.disabled = true;
        const answer = await ask<{ transferCode: string }>('api/v1/ownership/transfer', {
          serial: claims.sn,
          issuer: claims.iss,
          ownerKey: mine.ownerKey,
          // Shown on a screen at the counter: a photographed code is soon worth nothing.
          expiresInMinutes: HANDOVER_MINUTES,
        });
        handover.disabled = false;
        if ('failure' in answer) {
          if (answer.failure !== 'ownerErrWrongCode') return fail(answer.failure);
          // The key is dead: the watch was handed over, or the brand replaced the owner.
          await deleteOwned(mine.issuer, mine.serial);
          ctx.changed(t.ownerNoLongerOwner);
          return;
        }
        const base = `${location.origin}${location.pathname}`;
        const link = `${toQr({ claims, kid: ctx.kid, signature: fromBase64url(ctx.jws.split('.')[2]!), ...(ctx.logIndex === undefined ? {} : { logIndex: ctx.logIndex }) }, base).url}${HANDOVER_SEPARATOR}${answer.ok.transferCode.replace(/-/g, '')}`;
        show(
          qr,
          el('p', {}, t.ownerHandoverHelp),
          await qrCanvas(link, t.ownerHandover),
          el('p', { class: 'owner__link', id: 'owner-handover-link' }, link),
        );
        qr.querySelector('canvas')?.setAttribute('id', 'owner-handover-qr');
      })();
    });
    show(
      container,
      ownerLine(mine),
      el('div', { class: 'owner__actions' }, ...(ctx.active ? [handover] : []), save),
      qr,
      note,
    );
    return;
  }

  if (!ctx.active) {
    show(container, note);
    return;
  }
  // Not the owner on this device: claim with the code from the box.
  const open = el('button', { type: 'button', id: 'owner-claim' }, t.ownerClaim);
  const form = el('form', { class: 'owner__form', id: 'owner-form', hidden: '' });
  const code = el('input', {
    id: 'owner-code',
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: 'false',
    required: '',
    minlength: '10',
    maxlength: '40',
  });
  const email = emailField(t);
  const submit = el('button', { type: 'submit', id: 'owner-submit' }, t.ownerSubmit);
  show(
    form,
    el('label', { for: 'owner-code' }, t.ownerCodeLabel),
    code,
    email.label,
    email.input,
    submit,
  );
  opens(open, form, code);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void claim(code.value.trim(), email.input.value.trim() || undefined, submit);
  });
  // Lost key: a one-time link to the address registered at the claim.
  const lost = el('button', { type: 'button', id: 'owner-recover' }, t.ownerRecoverOpen);
  const recoverForm = el('form', { class: 'owner__form', id: 'owner-recover-form', hidden: '' });
  const address = el('input', {
    id: 'owner-recover-email',
    type: 'email',
    autocomplete: 'email',
    required: '',
    maxlength: '254',
  });
  const send = el('button', { type: 'submit', id: 'owner-recover-submit' }, t.ownerRecoverSubmit);
  show(
    recoverForm,
    el('label', { for: 'owner-recover-email' }, t.ownerRecoverEmail),
    address,
    send,
  );
  opens(lost, recoverForm, address);
  recoverForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      send.disabled = true;
      const answer = await ask('api/v1/ownership/recovery', {
        serial: claims.sn,
        issuer: claims.iss,
        email: address.value.trim(),
      });
      send.disabled = false;
      if ('failure' in answer) return fail(answer.failure);
      note.className = 'owner__note';
      note.textContent = t.ownerRecoverSent;
    })();
  });
  show(container, open, form, lost, recoverForm, note);
}

/** Completes a recovery from the link in the e-mail: a new key, kept on this device. */
export async function completeRecovery(
  container: HTMLElement,
  token: string,
  t: Strings,
): Promise<void> {
  const note = el('p', { class: 'owner__note', role: 'status', id: 'owner-note' });
  show(container, note);
  const answer = await ask<{ issuer: string; serial: string; owners: number; ownerKey: string }>(
    'api/v1/ownership/recovery/complete',
    { token },
  );
  if ('failure' in answer) {
    note.className = 'owner__note status-note status-note--warn';
    note.textContent = t[answer.failure];
    return;
  }
  const { watch, kept } = await keep(answer.ok);
  show(
    container,
    el(
      'p',
      { class: 'owner__line', id: 'owner-recovered', 'data-owner': String(watch.owners) },
      t.ownerRecovered.replace('{brand}', watch.issuer).replace('{serial}', watch.serial),
    ),
    el('p', {}, t.ownerKeyOnce),
    el('p', { class: 'owner__key', id: 'owner-key', tabindex: '-1' }, watch.ownerKey),
    ...(kept ? [] : [el('p', { class: 'status-note status-note--warn' }, t.ownerKeyNotKept)]),
  );
  container.querySelector<HTMLElement>('#owner-key')?.focus();
}

/** A button that shows its form in its place, with the focus on the form's first field. */
function opens(button: HTMLButtonElement, form: HTMLFormElement, first: HTMLElement): void {
  button.addEventListener('click', () => {
    form.hidden = false;
    button.hidden = true;
    first.focus();
  });
}

function emailField(t: Strings) {
  const input = el('input', {
    id: 'owner-email',
    type: 'email',
    autocomplete: 'email',
    maxlength: '254',
  });
  return { input, label: el('label', { for: 'owner-email' }, t.ownerEmailLabel) };
}
