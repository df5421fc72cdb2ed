/**
 * Bulk issuing from an ERP export. Rows stream in; each is mapped, validated with the shared
 * schema, checked against duplicates earlier in the same file (an on-disk TEMP table, so
 * memory stays flat) and against the registry. Per chunk: status indexes are reserved, the
 * signing inputs are signed in worker threads, and the chunk is inserted in one transaction by
 * this (the only) writer. A crash loses at most the chunk in flight, never half of one; the
 * registry's idempotency then makes a rerun issue exactly what is missing. Report lines for a
 * chunk are written only after its commit.
 */
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { fromBase64url, fromUtf8, toBase64url } from '../../shared/bytes.ts';
import type { Claims } from '../../shared/claims.ts';
import { HallmarkError, type FieldError } from '../../shared/errors.ts';
import { signingInputText } from '../../shared/jws.ts';
import { parseWatchInput, watchClaims, type WatchInput } from '../../shared/watch-input.ts';
import { recordCertificate } from '../issuing/certificate-writer.ts';
import { differingFields } from '../issuing/issuing-service.ts';
import type { SigningKey } from '../keys/signing-key.ts';
import type { Registry } from '../registry/registry.ts';
import { applyMapping, missingColumns, type Mapping } from './mapping.ts';
import { readRows, type Encoding, type Format } from './read-rows.ts';
import { SignerPool } from './signer-pool.ts';

export interface ImportOptions {
  file: string;
  format: Format;
  encoding: Encoding;
  delimiter?: string;
  mapping: Mapping;
  dryRun: boolean;
  reportPath: string;
  actor: string;
  /** The brand of rows that name none. Rows may name any brand of the registry. */
  defaultIssuer: string;
  now: () => number;
  chunkSize?: number;
  signerThreads?: number;
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
    if (!this.out.write(`${JSON.stringify(line)}\n`))
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
  const chunkSize = options.chunkSize ?? 500;
  const pool = options.dryRun
    ? undefined
    : new SignerPool(options.signerThreads, registry.keys.tokenConfig());
  // Each brand's active key, opened once per import (a rotation meanwhile applies to the next run).
  const keys = new Map<string, SigningKey>();
  const keyOf = (brand: string) => {
    let key = keys.get(brand);
    if (!key) keys.set(brand, (key = registry.keys.active(brand)));
    return key;
  };

  db.exec(
    'CREATE TEMP TABLE IF NOT EXISTS import_seen (issuer TEXT NOT NULL, serial TEXT NOT NULL, line INTEGER NOT NULL, PRIMARY KEY (issuer, serial)) WITHOUT ROWID',
  );
  db.exec('DELETE FROM import_seen');
  const seen = db.prepare(
    'INSERT INTO import_seen (issuer, serial, line) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING line',
  );
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

  const insertSigned = db.transaction(
    (
      items: { row: Row; claims: Claims; kid: string; input: string; signature: Uint8Array }[],
      now: number,
    ) => {
      const results: ReportLine[] = [];
      // Re-checked inside the transaction: the service may have issued some serials meanwhile.
      const issued = alreadyIssued(items.map((item) => item.row));
      for (const { row, claims, kid, input, signature } of items) {
        const known = issued.get(row);
        if (known) {
          results.push(known);
          continue;
        }
        const payload = input.slice(input.indexOf('.') + 1);
        const record = recordCertificate(
          registry,
          { claims, kid, signature, jws: `${input}.${toBase64url(signature)}` },
          { actor: options.actor, now, detail: { line: row.line } },
          fromUtf8(fromBase64url(payload)),
        );
        results.push({
          type: 'issued',
          line: row.line,
          serial: record.serial,
          issuer: record.issuer,
          generation: 1,
          logIndex: record.logIndex!,
        });
      }
      return results;
    },
  );
  const reserve = db.transaction((brand: string, n: number) => statusIndex.allocateMany(brand, n));

  /** Signs `brand`'s fresh rows: indexes reserved, claims built, signatures from the workers. */
  const signBrand = async (brand: string, rows: Row[], now: number, lines: ReportLine[]) => {
    const key = keyOf(brand);
    const indexes = reserve.immediate(brand, rows.length);
    const toSign: { row: Row; claims: Claims }[] = [];
    rows.forEach((row, i) => {
      try {
        toSign.push({
          row,
          claims: watchClaims(row.input, {
            issuer: brand,
            issuedAt: now,
            statusIndex: indexes[i]!,
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
    const inputs = toSign.map((s) => signingInputText(s.claims, key.kid));
    const signatures = await pool!.sign(key, inputs);
    return toSign.map((s, i) => ({
      ...s,
      kid: key.kid,
      input: inputs[i]!,
      signature: signatures[i]!,
    }));
  };

  const processChunk = async (rows: Row[]): Promise<void> => {
    const lines: ReportLine[] = [];
    const fresh = new Map<string, Row[]>();
    const issued = alreadyIssued(rows);
    for (const row of rows) {
      const known = issued.get(row);
      if (known) lines.push(known);
      else if (!brands.has(row.issuer))
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
    for (const line of lines.sort(
      (a, b) => (a as { line: number }).line - (b as { line: number }).line,
    )) {
      if (line.type === 'rejected') counts.rejected++;
      else if (line.type === 'issued') counts.issued++;
      else if (line.type === 'existing') counts.existing++;
      await report.write(line);
    }
    options.onProgress?.({ ...counts });
  };

  let header: string[] | undefined;
  let chunk: Row[] = [];
  const inflight: Promise<void>[] = [];
  try {
    for await (const item of readRows(options.file, {
      format: options.format,
      encoding: options.encoding,
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      onHeader: (columns) => (header = columns),
    })) {
      if (header) {
        const missing = missingColumns(header, options.mapping);
        if (missing.length > 0)
          throw new ImportError(
            `the file has no column ${missing.map((c) => `"${c}"`).join(', ')} (columns: ${header.join(', ')}); use --mapping`,
          );
        header = undefined;
      }
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
      if (seen.get(issuer, input.serial, item.line) === undefined) {
        await reject(
          item.line,
          [
            {
              path: 'serial',
              message: `duplicate of line ${String(seenLine.get(issuer, input.serial))} in this file`,
            },
          ],
          input.serial,
        );
        continue;
      }
      chunk.push({ line: item.line, input, issuer });
      if (chunk.length >= chunkSize) {
        inflight.push(settledLater(processChunk(chunk)));
        chunk = [];
        // Two chunks in flight: one being signed by the workers while the next is prepared.
        if (inflight.length >= 2) await inflight.shift();
      }
    }
    if (chunk.length > 0) inflight.push(settledLater(processChunk(chunk)));
    await Promise.all(inflight);
  } catch (error) {
    await Promise.allSettled(inflight);
    await report.discard();
    throw error;
  } finally {
    await pool?.close();
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
      detail: { file: options.file, ...counts },
    });
  }
  await report.write({ type: 'summary', ...summary });
  await report.close();
  return summary;
}
