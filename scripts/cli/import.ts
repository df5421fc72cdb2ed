/** `hallmark import <file>`: issue certificates from an ERP export, resumable, with a report. */
import { extname } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { SingleBar } from 'cli-progress';
import type { ImportProgress } from '../../server/import/importer.ts';
import { importInWorker, type ImportJob } from './import-job.ts';
import type { Encoding, Format } from '../../server/import/read-rows.mjs';
import { CliError } from './io.ts';

const ENCODINGS: Record<string, Encoding> = {
  auto: 'auto',
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'iso-8859-1': 'iso-8859-1',
  latin1: 'iso-8859-1',
};

function encodingOption(value: string): Encoding {
  const e = ENCODINGS[value.toLowerCase()];
  if (!e) throw new InvalidArgumentError(`expected one of ${Object.keys(ENCODINGS).join(', ')}`);
  return e;
}

interface ImportCliOptions {
  format?: Format;
  encoding: Encoding;
  delimiter?: string;
  sheet?: string;
  mapping: string;
  dryRun?: boolean;
  report?: string;
  issuer?: string;
}

/** Progress on a terminal: a bar with count, rate and ETA; otherwise a plain line every 2 s. */
function progressReporter(totalHint: number | undefined) {
  const start = Date.now();
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format:
        ' {bar} {value} rows | {rate}/s | issued {issued} existing {existing} rejected {rejected} | ETA {eta_formatted}',
      stream: process.stderr,
      etaBuffer: 50,
    });
    bar.start(totalHint ?? 0, 0, { rate: 0, issued: 0, existing: 0, rejected: 0 });
    return {
      update: (p: ImportProgress) =>
        bar.update(p.rows, {
          ...p,
          rate: Math.round(p.rows / Math.max(0.001, (Date.now() - start) / 1000)),
        }),
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (p: ImportProgress) => {
      if (Date.now() - last < 2000) return;
      last = Date.now();
      process.stderr.write(
        `progress: ${p.rows} rows, ${Math.round(p.rows / Math.max(0.001, (last - start) / 1000))}/s, issued ${p.issued}, existing ${p.existing}, rejected ${p.rejected}\n`,
      );
    },
    stop: () => undefined,
  };
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'issue certificates for every valid row of an ERP export (CSV or JSON Lines); safe to rerun',
    )
    .argument('<file>', 'the export file')
    .option('--format <format>', 'csv, jsonl or xlsx (default: from the file extension)', (v) => {
      if (v !== 'csv' && v !== 'jsonl' && v !== 'xlsx')
        throw new InvalidArgumentError('expected csv, jsonl or xlsx');
      return v as Format;
    })
    .option(
      '--sheet <name|number>',
      'the worksheet of an .xlsx workbook (needed when it has several)',
    )
    .option(
      '--encoding <encoding>',
      'auto (from the byte order mark, else UTF-8), utf-8, utf-16le, utf-16be, windows-1252 or iso-8859-1',
      encodingOption,
      'auto' as Encoding,
    )
    .option('--delimiter <char>', 'CSV delimiter (default: detected from the header)')
    .option(
      '--mapping <name|file>',
      'column mapping: default, sap, or a mapping JSON file',
      'default',
    )
    .option('--issuer <code>', 'brand code for rows that name none (default: HALLMARK_ISSUER)')
    .option('--report <file>', 'report file (JSON Lines; default <file>.report.jsonl)')
    .option('--dry-run', 'validate and report without issuing')
    .action(async (file: string, opts: ImportCliOptions) => {
      if (opts.delimiter !== undefined && opts.delimiter.length !== 1 && opts.delimiter !== '\\t')
        throw new CliError('--delimiter must be one character');
      const extension = extname(file).toLowerCase();
      const format: Format =
        opts.format ??
        (['.jsonl', '.ndjson'].includes(extension)
          ? 'jsonl'
          : extension === '.xlsx'
            ? 'xlsx'
            : 'csv');
      if (opts.sheet !== undefined && format !== 'xlsx')
        throw new CliError('--sheet applies to .xlsx workbooks only');
      const job: ImportJob = {
        file,
        format,
        encoding: opts.encoding,
        ...(opts.delimiter ? { delimiter: opts.delimiter === '\\t' ? '\t' : opts.delimiter } : {}),
        ...(opts.sheet === undefined ? {} : { sheet: opts.sheet }),
        mapping: opts.mapping,
        dryRun: opts.dryRun ?? false,
        reportPath: opts.report ?? `${file}.report.jsonl`,
        ...(opts.issuer === undefined ? {} : { issuer: opts.issuer }),
      };
      const progress = progressReporter(undefined);
      try {
        const summary = await importInWorker(job, progress.update);
        progress.stop();
        const verb = summary.dryRun ? 'would issue' : 'issued';
        process.stdout.write(
          `${summary.rows} rows: ${verb} ${summary.issued}, already existed ${summary.existing}, rejected ${summary.rejected} ` +
            `(${summary.seconds.toFixed(1)} s, ${Math.round(summary.rows / Math.max(summary.seconds, 0.001))} rows/s)\nreport: ${job.reportPath}\n`,
        );
        if (summary.rejected > 0) process.exitCode = 3;
      } catch (error) {
        progress.stop();
        throw error;
      }
    });
}
