/**
 * Bulk issuing from an ERP export. A worker thread reads and parses the file; here each row is
 * mapped and validated with the shared rules, then, a chunk at a time, checked against
 * duplicates earlier in the same file (an on-disk TEMP table, so memory stays flat) and
 * against the registry. Per chunk: status indexes are reserved, claims built here, and each
 * certificate's JWS signed (and, with a native key, assembled with its log leaf) in worker
 * threads; the chunk is written in one transaction of multi-row statements by
 * this (the only) writer. A crash loses at most the chunks in flight, never half of one; the
 * registry's idempotency then makes a rerun issue exactly what is missing. Report lines for a
 * chunk are written only after its commit.
 */
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { canonicalClaimsJson, type Claims } from '../../shared/claims.ts';
import { HallmarkError, type FieldError } from '../../shared/errors.ts';
import { encodedHeader } from '../../shared/jws.ts';
import { parseWatchInput, watchClaims, type WatchInput } from '../../shared/watch-input.ts';
import { recordCertificates } from '../issuing/certificate-writer.ts';
import { differingFields } from '../issuing/issuing-service.ts';
import type { SigningKey } from '../keys/signing-key.ts';
import { onPostgres } from '../db/database.ts';
import type { Registry } from '../registry/registry.ts';
import type { Allocation } from '../registry/status-index.ts';
import { applyMapping, missingColumns, type Mapping } from './mapping.ts';
import type { Encoding, Format } from './read-rows.mjs';
import { startRowReader, type RowReader } from './row-reader.ts';
import { SignerPool } from './signer-pool.ts';

export interface ImportOptions {
  file: string;
  format: Format;
  encoding: Encoding;
  delimiter?: string;
  /** The worksheet of an .xlsx workbook (a name, or a position from 1). */
  sheet?: string;
  mapping: Mapping;
  dryRun: boolean;
  reportPath: string;
  actor: string;
  /** The brand of rows that name none. Rows may name any brand of the registry. */
  defaultIssuer: string;
  now: () => number;
  chunkSize?: number;
  signerThreads?: number;
  /**
   * The file's reader and the signing threads (none in a dry run), when the caller started
   * them ahead: their threads boot while it loads and opens the registry. The reader must read
   * `file` with these options; the import closes both.
   */
  ahead?: { reader: RowReader; signers?: SignerPool | undefined };
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  rows: number;
  issued: number;
  existing: number;
  rejected: number;
}

export interface ImportSummary extends ImportProgress {
  dryRun: boolean;
  seconds: number;
  report: string;
}

/** Thrown before any row is processed when the file cannot be imported at all (e.g. missing columns). */
export class ImportError extends Error {}

/** Chunks between reading and commit at once: enough to keep both signers and this thread busy. */
const IN_FLIGHT = 3;

/**
 * Marks a promise as handled now (it is awaited later, in order): a chunk that fails while an
 * earlier one is still awaited must not crash the process as an unhandled rejection.
 */
function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function groupInto<T>(groups: Map<string, T[]>, key: string, item: T): void {
  const group = groups.get(key);
  if (group) group.push(item);
  else groups.set(key, [item]);
}

interface Row {
  line: number;
  input: WatchInput;
  issuer: string;
}

/** A row signed by the workers, ready to record. */
interface Signed {
  row: Row;
  claims: Claims;
  allocation: Allocation;
  claimsJson: string;
  kid: string;
  jws: string;
  signature: Uint8Array;
  /** Its issuance-log leaf hash, computed where the JWS was built. */
  leaf: Uint8Array;
}

type ReportLine =
  | { type: 'rejected'; line: number; serial?: string; fields: FieldError[] }
  | {
      type: 'issued' | 'existing';
      line: number;
      serial: string;
      issuer: string;
      generation: number;
      /** Where the issuance log holds it (absent in a dry run: nothing is sequenced). */
      logIndex?: number;
    }
  | ({ type: 'summary' } & ImportSummary);

/**
 * The report, written to a temporary file and renamed into place when the import completes:
 * an import that fails or is killed never destroys the report of the last complete run.
 */
class Report {
  private readonly out: WriteStream;
  private readonly temp: string;
  constructor(private readonly path: string) {
    this.temp = `${path}.${process.pid}.partial`;
    this.out = createWriteStream(this.temp, { flags: 'w' });
  }
  async write(line: ReportLine): Promise<void> {
    await this.writeAll([line]);
  }
  /** Writes lines in one write (a chunk's lines: one buffer, not one per line). */
  async writeAll(lines: readonly ReportLine[]): Promise<void> {
    let text = '';
    for (const line of lines) text += `${JSON.stringify(line)}\n`;
    if (text !== '' && !this.out.write(text))
      await new Promise<void>((r) => this.out.once('drain', () => r()));
  }
  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    renameSync(this.temp, this.path);
  }
  async discard(): Promise<void> {
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
    rmSync(this.temp, { force: true });
  }
}

export async function runImport(
  registry: Registry,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = performance.now();
  const { db, certificates, statusIndex, brands } = registry;
  const counts: ImportProgress = { rows: 0, issued: 0, existing: 0, rejected: 0 };
  const report = new Report(options.reportPath);
  // Rows per transaction (and per batch for the signers): fewer, larger commits write fewer
  // pages; 1,000 rows with three chunks in flight keep memory within the import's budget.
  const chunkSize = options.chunkSize ?? 1000;
  const pool = options.dryRun
    ? undefined
    : (options.ahead?.signers ?? new SignerPool(options.signerThreads));
  pool?.useToken(registry.keys.tokenConfig());
  // Each brand's active key, opened once per import (a rotation meanwhile applies to the next run).
  const keys = new Map<string, SigningKey>();
  const keyOf = (brand: string) => {
    let key = keys.get(brand);
    if (!key) keys.set(brand, (key = registry.keys.active(brand)));
    return key;
  };

  db.exec(
    'CREATE TEMP TABLE IF NOT EXISTS import_seen (issuer TEXT NOT NULL, serial TEXT NOT NULL, line INTEGER NOT NULL, PRIMARY KEY (issuer, serial))' +
      (onPostgres(db) ? '' : ' WITHOUT ROWID'),
  );
  db.exec('DELETE FROM import_seen');
  // One statement per chunk: the rows whose brand and serial are new to this file go in (the
  // first of equal rows within a chunk wins, in line order); the rest are duplicates.
  const firstSeen = db
    .prepare(
      onPostgres(db)
        ? 'INSERT INTO import_seen (issuer, serial, line) SELECT v ->> 0, v ->> 1, CAST(v ->> 2 AS INTEGER) FROM json_array_elements(CAST(? AS json)) AS v ON CONFLICT DO NOTHING RETURNING line'
        : 'INSERT INTO import_seen (issuer, serial, line) SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING RETURNING line',
    )
    .pluck();
  const seenLine = db
    .prepare('SELECT line FROM import_seen WHERE issuer = ? AND serial = ?')
    .pluck();

  const reject = async (line: number, fields: FieldError[], serial?: string) => {
    counts.rejected++;
    await report.write({ type: 'rejected', line, ...(serial ? { serial } : {}), fields });
  };

  /**
   * The report lines of the rows whose serial is already issued (existing, or conflicting
   * details), by row. One query per brand for the whole chunk: building a record is needless
   * for the (usual) new serial.
   */
  const alreadyIssued = (rows: readonly Row[]): Map<Row, ReportLine> => {
    const found = new Map<Row, ReportLine>();
    const byBrand = new Map<string, Row[]>();
    for (const row of rows) groupInto(byBrand, row.issuer, row);
    for (const [issuer, brandRows] of byBrand) {
      const existing = certificates.existingSerials(
        issuer,
        brandRows.map((r) => r.input.serial),
      );
      if (existing.size === 0) continue;
      for (const row of brandRows) {
        const line = existing.has(row.input.serial) ? issuedLine(row) : undefined;
        if (line) found.set(row, line);
      }
    }
    return found;
  };

  /** The report line for a row whose serial is already issued, else undefined. */
  const issuedLine = (row: Row): ReportLine | undefined => {
    const existing = certificates.findLatest(row.issuer, row.input.serial);
    if (!existing) return undefined;
    const diff = differingFields(existing.certificate.claims, row.input);
    return diff.length
      ? { type: 'rejected', line: row.line, serial: row.input.serial, fields: diff }
      : {
          type: 'existing',
          line: row.line,
          serial: existing.serial,
          issuer: existing.issuer,
          generation: existing.generation,
          ...(existing.logIndex === null ? {} : { logIndex: existing.logIndex }),
        };
  };

  const insertSigned = db.transaction((items: Signed[], now: number) => {
    const results: ReportLine[] = [];
    // Re-checked inside the transaction: the service may have issued some serials meanwhile.
    const issued = alreadyIssued(items.map((item) => item.row));
    const fresh = items.filter((item) => {
      const known = issued.get(item.row);
      if (known) results.push(known);
      return !known;
    });
    const records = recordCertificates(
      registry,
      fresh.map(({ row, claims, allocation, claimsJson, kid, jws, signature, leaf }) => ({
        certificate: { claims, kid, signature, jws },
        allocation,
        claimsJson,
        leaf,
        detail: { line: row.line },
      })),
      { actor: options.actor, now },
    );
    records.forEach((record, i) =>
      results.push({
        type: 'issued',
        line: fresh[i]!.row.line,
        serial: record.serial,
        issuer: record.issuer,
        generation: 1,
        logIndex: record.logIndex!,
      }),
    );
    return results;
  });
  const reserve = db.transaction((brand: string, n: number) => statusIndex.reserve(brand, n));

  /** Signs `brand`'s fresh rows: indexes reserved, claims built, signatures from the workers. */
  const signBrand = async (brand: string, rows: Row[], now: number, lines: ReportLine[]) => {
    const key = keyOf(brand);
    const allocations = reserve.immediate(brand, rows.length);
    const toSign: { row: Row; claims: Claims; allocation: Allocation }[] = [];
    rows.forEach((row, i) => {
      const allocation = allocations[i]!;
      try {
        toSign.push({
          row,
          allocation,
          claims: watchClaims(row.input, {
            issuer: brand,
            issuedAt: now,
            statusIndex: allocation.index,
            generation: 1,
          }),
        });
      } catch (error) {
        if (!(error instanceof HallmarkError) || !error.fields) throw error;
        lines.push({
          type: 'rejected',
          line: row.line,
          serial: row.input.serial,
          fields: error.fields,
        });
      }
    });
    const jsons = toSign.map((s) => canonicalClaimsJson(s.claims));
    const signed = await pool!.signJws(key, encodedHeader(key.kid), jsons);
    return toSign.map((s, i): Signed => ({
      row: s.row,
      claims: s.claims,
      allocation: s.allocation,
      claimsJson: jsons[i]!,
      kid: key.kid,
      jws: signed.jws[i]!,
      signature: signed.signatures[i]!,
      leaf: signed.leaves[i]!,
    }));
  };

  /** Splits off the rows whose brand and serial appeared on an earlier line of the file. */
  const firstInFile = (rows: Row[], lines: ReportLine[]): Row[] => {
    const first = new Set(
      firstSeen.all(
        JSON.stringify(rows.map((r) => [r.issuer, r.input.serial, r.line])),
      ) as number[],
    );
    return rows.filter((row) => {
      if (first.has(row.line)) return true;
      lines.push({
        type: 'rejected',
        line: row.line,
        serial: row.input.serial,
        fields: [
          {
            path: 'serial',
            message: `duplicate of line ${String(seenLine.get(row.issuer, row.input.serial))} in this file`,
          },
        ],
      });
      return false;
    });
  };

  const processChunk = async (chunkRows: Row[]): Promise<void> => {
    const lines: ReportLine[] = [];
    const fresh = new Map<string, Row[]>();
    const rows = firstInFile(chunkRows, lines);
    const issued = alreadyIssued(rows);
    const isBrand = new Map<string, boolean>();
    const brandExists = (code: string) => {
      let exists = isBrand.get(code);
      if (exists === undefined) isBrand.set(code, (exists = brands.has(code)));
      return exists;
    };
    for (const row of rows) {
      const known = issued.get(row);
      if (known) lines.push(known);
      else if (!brandExists(row.issuer))
        lines.push({
          type: 'rejected',
          line: row.line,
          serial: row.input.serial,
          fields: [{ path: 'issuer', message: `is not a brand of this registry (${row.issuer})` }],
        });
      else groupInto(fresh, row.issuer, row);
    }
    if (pool && fresh.size > 0) {
      const now = options.now();
      const signed = [];
      for (const [brand, brandRows] of fresh)
        signed.push(...(await signBrand(brand, brandRows, now, lines)));
      lines.push(...insertSigned.immediate(signed, now));
    } else {
      // Dry run: what would be issued, nothing written.
      for (const row of [...fresh.values()].flat())
        lines.push({
          type: 'issued',
          line: row.line,
          serial: row.input.serial,
          issuer: row.issuer,
          generation: 1,
        });
    }
    lines.sort((a, b) => (a as { line: number }).line - (b as { line: number }).line);
    for (const line of lines) {
      if (line.type === 'rejected') counts.rejected++;
      else if (line.type === 'issued') counts.issued++;
      else if (line.type === 'existing') counts.existing++;
    }
    await report.writeAll(lines);
    options.onProgress?.({ ...counts });
  };

  // The keys the import will most likely need (the default brand's, the status-index secret)
  // are opened off this thread while the first rows are read; awaited before the first chunk.
  // A missing status-index secret is created then, but only once the passphrase has opened
  // the brand's sealed key: a wrong passphrase must not seal a new secret that the right one
  // cannot open. A key in a PKCS#11 token proves nothing about the passphrase: the secret is
  // then made as the first reservation would make it, only sooner.
  // Both scrypts run at once, on libuv's pool.
  const brand = options.defaultIssuer;
  const keyOpened = pool
    ? registry.keys
        .prefetchActive(brand)
        .then(
          () => registry.keys.opensActive(brand) || registry.keys.activeCustody(brand) === 'pkcs11',
        )
    : undefined;
  let prefetched: Promise<unknown> | undefined = keyOpened
    ? Promise.all([keyOpened, registry.secrets.prefetch('status-index', options.now(), keyOpened)])
    : undefined;
  let header: string[] | undefined;
  let sawHeader = false;
  let chunk: Row[] = [];
  const inflight: Promise<void>[] = [];
  const reader =
    options.ahead?.reader ??
    startRowReader(options.file, {
      format: options.format,
      encoding: options.encoding,
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      ...(options.sheet === undefined ? {} : { sheet: options.sheet }),
    });
  try {
    for await (const batch of reader.batches((columns) => {
      header = columns;
      sawHeader = true;
    })) {
      if (header) {
        const missing = missingColumns(header, options.mapping);
        if (missing.length > 0)
          throw new ImportError(
            `the file has no column ${missing.map((c) => `"${c}"`).join(', ')} (columns: ${header.join(', ')}); use --mapping`,
          );
        const issuerColumn = options.mapping.columns.issuer;
        if (
          (issuerColumn === undefined || !header.includes(issuerColumn)) &&
          !brands.has(options.defaultIssuer)
        )
          throw new ImportError(
            `brand ${options.defaultIssuer} is not in this registry, and the rows name none: choose one with --issuer (or HALLMARK_ISSUER): ${brands
              .list()
              .map((b) => b.code)
              .join(', ')}`,
          );
        header = undefined;
      }
      for (const item of batch) {
        counts.rows++;
        if (!item.record) {
          await reject(item.line, [{ path: '(line)', message: item.error ?? 'cannot be read' }]);
          continue;
        }
        const mapped = applyMapping(item.record, options.mapping);
        let input: WatchInput;
        try {
          input = parseWatchInput(mapped);
        } catch (error) {
          if (!(error instanceof HallmarkError) || !error.fields) throw error;
          await reject(
            item.line,
            error.fields,
            typeof mapped.serial === 'string' ? mapped.serial.trim() : undefined,
          );
          continue;
        }
        const issuer = input.issuer ?? options.defaultIssuer;
        chunk.push({ line: item.line, input, issuer });
        if (chunk.length >= chunkSize) {
          if (prefetched) await prefetched;
          prefetched = undefined;
          inflight.push(settledLater(processChunk(chunk)));
          chunk = [];
          // Chunks in flight: some being signed by the workers while the next is prepared.
          if (inflight.length >= IN_FLIGHT) await inflight.shift();
        }
      }
    }
    await prefetched;
    // A file with nothing to import is a mistake (a wrong export, a truncated transfer), not
    // a success with zero rows.
    if (counts.rows === 0)
      throw new ImportError(
        sawHeader
          ? `${options.file} has a header and no rows: nothing to import`
          : `${options.file} is empty: nothing to import`,
      );
    if (chunk.length > 0) inflight.push(settledLater(processChunk(chunk)));
    await Promise.all(inflight);
  } catch (error) {
    await Promise.allSettled(inflight);
    await report.discard();
    throw error;
  } finally {
    await Promise.all([reader.close(), pool?.close()]);
  }
  const summary: ImportSummary = {
    ...counts,
    dryRun: options.dryRun,
    seconds: (performance.now() - started) / 1000,
    report: options.reportPath,
  };
  if (!options.dryRun) {
    registry.events.append({
      at: options.now(),
      actor: options.actor,
      action: 'import.completed',
      detail: {
        file: options.file,
        ...counts,
        seconds: Math.round((performance.now() - started) / 10) / 100,
      },
    });
  }
  await report.write({ type: 'summary', ...summary });
  await report.close();
  return summary;
}
