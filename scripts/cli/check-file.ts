/**
 * `hallmark check --file <list>`: the tray check from the command line. One certificate per
 * line (QR link, digits or JWS; blank lines and `#` comments skipped), every brand on the trust
 * list, no brand to name. Each certificate is verified here; its status is read from its
 * brand's signed status list (`status/<n>.jwt` under the brand's URL: the service, or a folder
 * `hallmark publish` wrote), verified against the brand's keys; its owners are asked of the
 * brand's service (`POST api/v1/check`), when there is one. A watch listed twice is flagged.
 * Exit 0: every watch authentic and active; 1: any not authentic, not active, or listed twice;
 * 3: otherwise, any whose status could not be checked.
 */
import { gunzipSync } from 'node:zlib';
import { fromBase64url } from '../../shared/bytes.ts';
import type { KeySet } from '../../shared/keys.ts';
import {
  listPosition,
  STATUS_LIST_SIZE,
  statusAt,
  verifyStatusList,
  type CertificateStatus,
} from '../../shared/status-list.ts';
import type { TrustList } from '../../shared/trust-list.ts';
import { trayCsv } from '../../shared/tray-csv.ts';
import { verify } from '../../shared/verify.ts';
import { CliError, readInput } from './io.ts';

export type RowVerdict =
  'AUTHENTIC' | 'CHECK_ONLINE' | 'NOT_AUTHENTIC' | 'REVOKED' | 'REPORTED_STOLEN' | 'REPLACED';

export interface CheckedRow {
  line: number;
  verdict: RowVerdict;
  /** Why it is not authentic, or why its status is unknown. */
  code?: string;
  issuer?: string;
  brandName?: string;
  serial?: string;
  model?: string;
  reference?: string;
  status?: CertificateStatus;
  statusAsOf?: string;
  owners?: number;
  duplicate: boolean;
}

const FLAGGED: Partial<Record<CertificateStatus, RowVerdict>> = {
  revoked: 'REVOKED',
  stolen: 'REPORTED_STOLEN',
  replaced: 'REPLACED',
};
const CONCURRENCY = 8;

/** The lines of a list file: one certificate each. */
export function readCertificateList(path: string): { line: number; text: string }[] {
  const entries = readInput(path)
    .replace(/^\ufeff/, '')
    .split(/\r?\n/)
    .map((text, i) => ({ line: i + 1, text: text.trim() }))
    .filter((e) => e.text !== '' && !e.text.startsWith('#'));
  if (entries.length === 0)
    throw new CliError(`${path === '-' ? 'standard input' : path} lists no certificate`);
  return entries;
}

/** Reads statuses from brands' signed lists, fetching each list once per run. */
function statusReader(keys: KeySet, now: number) {
  const lists = new Map<
    string,
    Promise<{ bits: Uint8Array; iat: number; ttl: number } | undefined>
  >();
  return async (base: string, issuer: string, sli: number) => {
    const { list, position } = listPosition(sli, STATUS_LIST_SIZE);
    const key = `${base} ${issuer} ${list}`;
    let pending = lists.get(key);
    if (!pending) {
      pending = (async () => {
        try {
          const response = await fetch(new URL(`status/${list}.jwt`, base), {
            signal: AbortSignal.timeout(10_000),
          });
          if (!response.ok) return undefined;
          const payload = verifyStatusList(await response.text(), keys, { issuer, list });
          return {
            bits: new Uint8Array(gunzipSync(fromBase64url(payload.lst_gz))),
            iat: payload.iat,
            ttl: payload.ttl,
          };
        } catch {
          return undefined; // unreachable, or a list that does not verify: status unknown
        }
      })();
      lists.set(key, pending);
    }
    const read = await pending;
    if (!read) return undefined;
    return {
      status: statusAt(read.bits, position),
      asOf: read.iat,
      stale: now > read.iat + read.ttl,
    };
  };
}

/** The brand service's answer for a certificate: owners, or 'not-issued', or undefined. */
async function askOwners(
  base: string,
  certificate: string,
): Promise<{ owners: number; status: string } | 'not-issued' | undefined> {
  try {
    const response = await fetch(new URL('api/v1/check', base), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ certificate }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 404) {
      // Only the registry's own answer says "not issued", never a static host's 404.
      const body = (await response.json().catch(() => undefined)) as
        { error?: { code?: unknown } } | undefined;
      return body?.error?.code === 'NOT_FOUND' ? 'not-issued' : undefined;
    }
    if (!response.ok) return undefined;
    return (await response.json()) as { owners: number; status: string };
  } catch {
    return undefined;
  }
}

/** Checks every certificate of the list. `url`: the brands' service (else each brand's URL from the trust list). */
export async function checkList(
  entries: { line: number; text: string }[],
  trust: { keys: KeySet; list?: TrustList },
  url: string | undefined,
  now = Math.floor(Date.now() / 1000),
): Promise<CheckedRow[]> {
  const readStatus = statusReader(trust.keys, now);
  const baseOf = (issuer: string): string | undefined => {
    const base = url ?? trust.list?.payload.brands.find((b) => b.code === issuer)?.url;
    return base === undefined ? undefined : base.endsWith('/') ? base : `${base}/`;
  };
  const one = async ({ line, text }: { line: number; text: string }): Promise<CheckedRow> => {
    const verdict = verify(text, trust.keys, { now: new Date(now * 1000) });
    if (!verdict.ok)
      return { line, verdict: 'NOT_AUTHENTIC', code: verdict.code, duplicate: false };
    const c = verdict.claims;
    const row: CheckedRow = {
      line,
      verdict: 'CHECK_ONLINE',
      issuer: c.iss,
      brandName: verdict.brandName ?? c.iss,
      serial: c.sn,
      model: c.mdl,
      reference: c.ref,
      duplicate: false,
    };
    const base = baseOf(c.iss);
    if (base === undefined) return { ...row, code: 'NO_SERVICE' };
    const [status, asked] = await Promise.all([
      readStatus(base, c.iss, c.sli),
      askOwners(base, verdict.jws),
    ]);
    if (asked === 'not-issued')
      return {
        line,
        verdict: 'NOT_AUTHENTIC',
        code: verdict.keyCompromisedSince === undefined ? 'NOT_ISSUED' : 'KEY_COMPROMISED',
        duplicate: false,
      };
    if (asked) row.owners = asked.owners;
    if (!status) return { ...row, code: 'STATUS_UNAVAILABLE' };
    row.status = status.status;
    row.statusAsOf = new Date(status.asOf * 1000).toISOString();
    // A key stolen later: only the brand's registry can confirm this card.
    if (verdict.keyCompromisedSince !== undefined && !asked)
      return { ...row, code: 'KEY_COMPROMISED_UNCONFIRMED' };
    const flagged = FLAGGED[status.status];
    if (flagged) return { ...row, verdict: flagged };
    if (status.stale) return { ...row, code: 'STATUS_STALE' };
    return { ...row, verdict: 'AUTHENTIC' };
  };
  const rows: CheckedRow[] = new Array(entries.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, entries.length) }, async () => {
      while (next < entries.length) {
        const i = next++;
        rows[i] = await one(entries[i]!);
      }
    }),
  );
  // A watch listed twice (one brand and serial, whichever card): every row of it.
  const seen = new Map<string, CheckedRow[]>();
  for (const row of rows)
    if (row.serial)
      seen.set(`${row.issuer} ${row.serial}`, [
        ...(seen.get(`${row.issuer} ${row.serial}`) ?? []),
        row,
      ]);
  for (const same of seen.values())
    if (same.length > 1) for (const row of same) row.duplicate = true;
  return rows;
}

/** The exit code of a checked list (see the file's comment). */
export function listExitCode(rows: CheckedRow[]): number {
  if (rows.some((r) => r.duplicate || (r.verdict !== 'AUTHENTIC' && r.verdict !== 'CHECK_ONLINE')))
    return 1;
  return rows.some((r) => r.verdict === 'CHECK_ONLINE') ? 3 : 0;
}

/** CSV, in the page's tray format (shared/tray-csv.ts). */
export function rowsToCsv(rows: CheckedRow[]): string {
  return trayCsv(
    rows.map((r) => ({
      n: r.line,
      brand: r.issuer ?? '',
      brandName: r.brandName ?? '',
      serial: r.serial ?? '',
      model: r.model ?? '',
      reference: r.reference ?? '',
      verdict: r.verdict,
      code: r.code ?? '',
      status: r.status ?? '',
      statusAsOf: r.statusAsOf ?? '',
      owners: r.owners === undefined ? '' : String(r.owners),
      duplicate: r.duplicate,
    })),
  );
}

/** A table for people, in columns. */
export function rowsToTable(rows: CheckedRow[]): string {
  const head = ['LINE', 'BRAND', 'SERIAL', 'MODEL', 'VERDICT', 'STATUS', 'OWNERS', 'NOTE'];
  const body = rows.map((r) => [
    String(r.line),
    r.issuer ?? '-',
    r.serial ?? '-',
    r.model ?? '-',
    r.verdict,
    r.status ? `${r.status}${r.statusAsOf ? ` (${r.statusAsOf.slice(0, 16)}Z)` : ''}` : '-',
    r.owners === undefined ? '-' : String(r.owners),
    [r.code, r.duplicate ? 'LISTED TWICE: compare the engravings' : undefined]
      .filter(Boolean)
      .join('; '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return `${[head, ...body]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
