/**
 * The retailer's tray check: many watches in a row, each code read (camera in continuous mode,
 * photos, or pasted lines, which is also what a USB scanner types) adds a row with its brand,
 * serial, model, verdict, status and owners. Every brand on the trust list verifies, with no
 * brand to choose. A watch scanned twice is flagged on both rows: two cards with one serial in
 * a tray is what a copied certificate looks like. Offline, each watch is still verified and its
 * status read from the lists kept on the device, with their date. The list exports as CSV.
 * Loaded on first use only: the single check never waits for it.
 */
import { trayCsv } from '../../shared/tray-csv.ts';
import { assess, type TrustHolder } from './assess.ts';
import { el, show } from './dom.ts';
import { formatDate, type Lang, type Strings } from './i18n.ts';
import { askRegistry } from './registry.ts';
import { outcomeOf, verdictName, type VerdictName } from './render.ts';
import { decodeImageFile, startCamera } from './scanner.ts';
import type { StatusInfo } from './status.ts';

export interface TrayContext {
  trust: TrustHolder;
  ready: Promise<unknown>;
  strings(): Strings;
  lang(): Lang;
}

interface Row {
  n: number;
  issuer: string;
  brandName: string;
  serial: string;
  model: string;
  reference: string;
  verdict: VerdictName;
  /** The rejection code, for a certificate that is not authentic. */
  code?: string;
  status: StatusInfo;
  /** From the brand's registry; undefined when it could not be asked. */
  owners?: number;
  duplicate: boolean;
}

const STATES = ['active', 'revoked', 'stolen', 'replaced', 'unchecked', 'unverifiable'] as const;

export function openTray(section: HTMLElement, ctx: TrayContext) {
  const rows: Row[] = [];
  let stopCamera: (() => void) | undefined;
  // Codes are judged one after another, in the order read: row numbers follow the tray.
  let queue: Promise<void> = Promise.resolve();

  const video = el('video', { muted: '', playsinline: '', hidden: '', id: 'tray-preview' });
  const status = el('p', { id: 'tray-status', class: 'scan-status', role: 'status' });
  const body = el('tbody');
  const caption = el('caption', { id: 'tray-count' });
  const head = el('thead');
  const table = el('table', { id: 'tray-table', class: 'tray__table' }, caption, head, body);
  const camera = el('button', { id: 'tray-camera', type: 'button' });
  const photos = el('input', { id: 'tray-photos', type: 'file', accept: 'image/*', multiple: '' });
  const photosLabel = el('span');
  const text = el('textarea', {
    id: 'tray-text',
    rows: '3',
    spellcheck: 'false',
    autocomplete: 'off',
  });
  const textLabel = el('label', { for: 'tray-text' });
  const add = el('button', { type: 'submit', id: 'tray-add' });
  const form = el('form', { id: 'tray-form', class: 'paste' }, textLabel, text, add);
  const csv = el('button', { id: 'tray-csv', type: 'button' });
  const clear = el('button', { id: 'tray-clear', type: 'button' });
  const close = el('button', { id: 'tray-close', type: 'button' });
  const title = el('h2', { id: 'tray-title', tabindex: '-1' });
  const help = el('p');

  function render(): void {
    const t = ctx.strings();
    title.textContent = t.trayTitle;
    help.textContent = t.trayHelp;
    camera.textContent = stopCamera ? t.trayStop : t.trayCamera;
    photosLabel.textContent = t.trayPhotos;
    textLabel.textContent = t.trayPasteLabel;
    add.textContent = t.trayAdd;
    csv.textContent = t.trayCsv;
    clear.textContent = t.trayClear;
    close.textContent = t.trayClose;
    csv.disabled = rows.length === 0;
    clear.disabled = rows.length === 0;
    caption.textContent = t.trayCount.replace('{n}', String(rows.length));
    show(head, el('tr', {}, ...t.trayColumns.split('|').map((c) => el('th', { scope: 'col' }, c))));
    show(body, ...rows.map((r) => rowElement(r, t)));
  }

  const verdictText = (r: Row, t: Strings) =>
    ({
      AUTHENTIC: t.authentic,
      CHECK_ONLINE: t.checkOnline,
      NOT_AUTHENTIC: t.notAuthentic,
      REVOKED: t.revoked,
      REPORTED_STOLEN: t.stolen,
      REPLACED: t.replaced,
    })[r.verdict];

  const statusText = (s: StatusInfo, t: Strings) => {
    const words = t.trayStates.split('|');
    const word = words[STATES.indexOf(s.state)] ?? s.state;
    return s.asOf === undefined
      ? word
      : `${word} (${t.trayAsOf.replace('{date}', formatDate(s.asOf, ctx.lang(), true))})`;
  };

  function rowElement(r: Row, t: Strings): HTMLElement {
    const tone = r.verdict === 'AUTHENTIC' ? 'ok' : r.verdict === 'CHECK_ONLINE' ? 'warn' : 'bad';
    return el(
      'tr',
      {
        class: `tray__row tray__row--${tone}${r.duplicate ? ' tray__row--duplicate' : ''}`,
        'data-verdict': r.verdict,
        'data-status': r.status.state,
        'data-serial': r.serial,
        'data-duplicate': String(r.duplicate),
        ...(r.owners === undefined ? {} : { 'data-owners': String(r.owners) }),
      },
      el('td', {}, String(r.n)),
      el('td', {}, r.issuer ? `${r.brandName} (${r.issuer})` : '—'),
      el(
        'th',
        { scope: 'row' },
        r.serial || '—',
        // Visible without scrolling to the note on a phone.
        ...(r.duplicate ? [el('span', { class: 'tray__dup', 'aria-hidden': 'true' }, ' ⚠')] : []),
      ),
      el('td', {}, r.model || '—'),
      el('td', {}, verdictText(r, t)),
      el('td', {}, r.verdict === 'NOT_AUTHENTIC' ? '—' : statusText(r.status, t)),
      el('td', {}, r.owners === undefined ? t.trayNotAsked : String(r.owners)),
      el('td', {}, r.duplicate ? t.trayDuplicate : ''),
    );
  }

  async function judge(input: string): Promise<void> {
    await ctx.ready;
    const { verdict, status: state, compromised } = await assess(input, ctx.trust);
    const name = verdictName(outcomeOf(verdict, state, compromised));
    const owners =
      verdict.ok && navigator.onLine ? await askRegistry(verdict.jws, 4000) : undefined;
    const row: Row = {
      n: rows.length + 1,
      issuer: verdict.ok ? verdict.claims.iss : '',
      brandName: verdict.ok ? (verdict.brandName ?? verdict.claims.iss) : '',
      serial: verdict.ok ? verdict.claims.sn : '',
      model: verdict.ok ? verdict.claims.mdl : '',
      reference: verdict.ok ? verdict.claims.ref : '',
      verdict: name,
      ...(verdict.ok ? {} : { code: verdict.code }),
      status: state,
      ...(typeof owners === 'object' ? { owners: owners.owners } : {}),
      duplicate: false,
    };
    // The same watch twice (same brand and serial, whichever card): flag every row of it.
    if (row.serial)
      for (const other of rows)
        if (other.issuer === row.issuer && other.serial === row.serial)
          other.duplicate = row.duplicate = true;
    rows.push(row);
    render();
    const t = ctx.strings();
    status.textContent = t.trayAdded
      .replace('{n}', String(row.n))
      .replace('{serial}', row.serial || '—')
      .replace('{verdict}', verdictText(row, t));
  }

  const enqueue = (input: string) => {
    queue = queue.then(() => judge(input)).catch(() => undefined);
    return queue;
  };

  function toCsv(): string {
    const csv = trayCsv(
      rows.map((r) => ({
        n: r.n,
        brand: r.issuer,
        brandName: r.brandName,
        serial: r.serial,
        model: r.model,
        reference: r.reference,
        verdict: r.verdict,
        code: r.code ?? '',
        status: r.verdict === 'NOT_AUTHENTIC' ? '' : r.status.state,
        statusAsOf: r.status.asOf === undefined ? '' : new Date(r.status.asOf * 1000).toISOString(),
        owners: r.owners === undefined ? '' : String(r.owners),
        duplicate: r.duplicate,
      })),
    );
    // A byte order mark, so that spreadsheets read the names as UTF-8.
    return `\ufeff${csv}`;
  }

  const stopScanning = () => {
    stopCamera?.();
    stopCamera = undefined;
    video.hidden = true;
    render();
  };

  camera.addEventListener('click', () => {
    if (stopCamera) return stopScanning();
    video.hidden = false;
    startCamera(video, (code) => void enqueue(code.trim()), { continuous: true })
      .then((stop) => {
        stopCamera = stop;
        render();
      })
      .catch(() => {
        video.hidden = true;
        status.textContent = ctx.strings().cameraUnavailable;
      });
  });
  photos.addEventListener('change', () => {
    for (const file of photos.files ?? [])
      queue = queue
        .then(() => decodeImageFile(file))
        .then((code) =>
          code ? judge(code.trim()) : void (status.textContent = ctx.strings().noCodeInPhoto),
        )
        .catch(() => undefined);
    photos.value = '';
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const lines = text.value
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    text.value = '';
    for (const line of lines) void enqueue(line);
  });
  csv.addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([toCsv()], { type: 'text/csv;charset=utf-8' }));
    const link = el('a', {
      href: url,
      download: `hallmark-tray-${new Date().toISOString().slice(0, 10)}.csv`,
    });
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  clear.addEventListener('click', () => {
    rows.length = 0;
    status.textContent = '';
    render();
  });
  close.addEventListener('click', () => {
    stopScanning();
    section.hidden = true;
    document.getElementById('tray-open')?.focus();
  });

  show(
    section,
    title,
    help,
    el(
      'div',
      { class: 'scanner__actions' },
      camera,
      el('label', { class: 'file' }, photosLabel, photos),
    ),
    video,
    form,
    status,
    el('div', { class: 'tray__scroll' }, table),
    el('div', { class: 'tray__actions' }, csv, clear, close),
  );
  render();
  section.hidden = false;
  title.focus();
  return {
    render,
    /** Settles when every code read so far has its row. */
    settled: () => queue,
    stop: stopScanning,
  };
}
