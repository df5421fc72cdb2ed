/** `hallmark print`: certificate cards as a print-ready PDF. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CertificateRecord } from '../../server/registry/certificates.ts';
import { asciiUpper, serialNumber } from '../../shared/claims.ts';
import { CliError } from './io.ts';
import { withRegistry } from './registry.ts';

interface PrintCliOptions {
  serial?: string[];
  import?: string;
  since?: string;
  out: string;
  layout: 'sheet' | 'single';
  issuer?: string;
  draft?: boolean;
}

/** Serials (with issuer) listed as issued or existing in an import report. */
function serialsFromReport(path: string): { issuer: string; serial: string }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(`cannot read the import report ${path}`);
  }
  const out: { issuer: string; serial: string }[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    let entry: { type?: string; serial?: string; issuer?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      throw new CliError(`${path} line ${i + 1} is not JSON: is this an import report?`);
    }
    if ((entry.type === 'issued' || entry.type === 'existing') && entry.serial && entry.issuer)
      out.push({ issuer: entry.issuer, serial: entry.serial });
  }
  return out;
}

export function registerPrintCommand(program: Command): void {
  program
    .command('print')
    .description(
      'print certificate cards (PDF): by serial, from an import report, or issued since a date',
    )
    .option('--serial <serial...>', 'serial number(s)')
    .option(
      '--import <report>',
      'an import report (.report.jsonl): its issued and existing certificates',
    )
    .option('--since <date>', 'every certificate issued since this date (YYYY-MM-DD or ISO time)')
    .option('--issuer <code>', 'brand code for --serial (default: HALLMARK_ISSUER)')
    .option(
      '--layout <layout>',
      'sheet (10 cards per A4 with crop marks) or single (one card per page)',
      'sheet',
    )
    .option('--out <file>', 'the PDF to write', 'cards.pdf')
    .option(
      '--draft',
      'allow links that are not https (localhost in development): never for real cards',
    )
    .action(async (opts: PrintCliOptions) => {
      const sources = [opts.serial, opts.import, opts.since].filter((s) => s !== undefined).length;
      if (sources !== 1) throw new CliError('choose exactly one of --serial, --import, --since');
      if (opts.layout !== 'sheet' && opts.layout !== 'single')
        throw new CliError('--layout must be sheet or single');
      let since: number | undefined;
      if (opts.since !== undefined) {
        since = Date.parse(opts.since) / 1000;
        if (!Number.isFinite(since))
          throw new CliError('--since must be a date (YYYY-MM-DD) or an ISO time');
      }
      await withRegistry(
        async (registry, config) => {
          const records: CertificateRecord[] = [];
          const missing: string[] = [];
          const wanted = opts.serial
            ? opts.serial.map((s) => ({
                issuer: opts.issuer ?? config.issuer,
                serial: asciiUpper(s),
              }))
            : opts.import
              ? serialsFromReport(opts.import)
              : [];
          for (const w of wanted) {
            if (!serialNumber.safeParse(w.serial).success)
              throw new CliError(`--serial ${w.serial} is not a valid serial number`);
            const record = registry.certificates.findLatest(w.issuer, w.serial);
            if (record) records.push(record);
            else missing.push(w.serial);
          }
          if (since !== undefined)
            for (const r of registry.certificates.issuedSince(since)) records.push(r);
          if (missing.length > 0) throw new CliError(`no certificate for ${missing.join(', ')}`, 1);
          if (records.length === 0) throw new CliError('nothing to print', 1);
          // A printed card lives for decades: its link must be the brand's real https page.
          const insecure = [
            ...new Set(
              records
                .map((r) => registry.brands.publicUrlOf(r.issuer, config.publicUrl))
                .filter((url) => !url.toLowerCase().startsWith('https://')),
            ),
          ];
          if (insecure.length > 0 && !opts.draft)
            throw new CliError(
              `refusing to print cards that link to ${insecure.join(', ')}: set HALLMARK_PUBLIC_URL (or the brand's --public-url) to the https verification page, or pass --draft for a test print`,
            );
          const { printCards } = await import('../../server/print/cards.ts'); // pdf-lib on use only
          const started = performance.now();
          const result = await printCards(
            records.map((r) => r.certificate),
            {
              baseUrl: (cert) => registry.brands.publicUrlOf(cert.claims.iss, config.publicUrl),
              layout: opts.layout,
            },
          );
          writeFileSync(opts.out, result.pdf);
          for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
          const seconds = (performance.now() - started) / 1000;
          process.stdout.write(
            `${opts.out}: ${result.cards} cards on ${result.pages} pages (${opts.layout}), QR module ${result.moduleMm.toFixed(2)} mm, ${Math.round(result.cards / seconds)} cards/s\n`,
          );
        },
        { needsKey: false },
      );
    });
}
