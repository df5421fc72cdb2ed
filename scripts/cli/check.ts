/**
 * `hallmark check <serial|certificate>`: the retailer check. Given a certificate (the QR link,
 * its digits or the JWS), it is verified here against the trust list, for any brand on it,
 * and its status, owners and last transfer are asked of the brand's service. Given a serial,
 * the registry (HALLMARK_DB), or a service (--url) with a retailer token (HALLMARK_TOKEN), is
 * asked for that brand's watch.
 * Exit 0: authentic and active; 1: not authentic, or not active; 3: authentic but the status
 * could not be checked.
 */
import { asciiUpper } from '../../shared/claims.ts';
import type { Command } from 'commander';
import { retailerCheck } from '../../server/status/retailer-check.ts';
import { verify } from '../../shared/verify.ts';
import { CliError } from './io.ts';
import { serialArg } from './lifecycle.ts';
import { withRegistry } from './registry.ts';
import {
  loadTrustList,
  trustFromOptions,
  trustSetFromOptions,
  type TrustOptions,
} from './trust.ts';
import {
  checkList,
  listExitCode,
  readCertificateList,
  rowsToCsv,
  rowsToTable,
} from './check-file.ts';
import { trustOptions } from './trust.ts';

interface Result {
  authentic: boolean;
  status: string;
  owners: number;
  lastTransferAt: string | null;
  generation: number;
}

const CERTIFICATE =
  /^(https?:\/\/[^#]+#\d+|\d{60,}|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

/**
 * Asks a brand's service: with the certificate, the public check (it answers only a holder of
 * a certificate it issued); with a serial alone, the retailer check, which needs a retailer
 * token (HALLMARK_TOKEN).
 */
async function askService(
  base: string,
  question: { certificate: string } | { serial: string; issuer: string | undefined },
): Promise<Result | undefined> {
  const root = base.endsWith('/') ? base : `${base}/`;
  let request: [URL, RequestInit];
  if ('certificate' in question) {
    request = [
      new URL('api/v1/check', root),
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ certificate: question.certificate }),
      },
    ];
  } else {
    const token = process.env.HALLMARK_TOKEN;
    if (!token)
      throw new CliError(
        'checking a serial with --url needs a retailer token in HALLMARK_TOKEN; or check the certificate itself (its QR link)',
      );
    const query = question.issuer ? `?issuer=${encodeURIComponent(question.issuer)}` : '';
    request = [
      new URL(`api/v1/certificates/${encodeURIComponent(question.serial)}/check${query}`, root),
      { headers: { Authorization: `Bearer ${token}` } },
    ];
  }
  let response: Response;
  try {
    response = await fetch(request[0], { ...request[1], signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new CliError(`cannot reach ${base}: ${(error as Error).message}`);
  }
  if (response.status === 404) return undefined;
  if (!response.ok) throw new CliError(`${base} answered HTTP ${response.status}`);
  return (await response.json()) as Result;
}

export function registerCheckCommand(program: Command): void {
  trustOptions(
    program
      .command('check')
      .description('retailer check: authentic, status, number of owners, last transfer (never who)')
      .argument(
        '[serial|certificate]',
        'a serial number, or the certificate (QR link, digits or JWS)',
      ),
  )
    .option('--issuer <code>', 'with a serial: the brand (default: HALLMARK_ISSUER)')
    .option('--url <service>', "the brand's service (e.g. https://verify.brand.example)")
    .option(
      '--file <list>',
      'a tray: one certificate per line (file, or - for standard input), any brand',
    )
    .option('--json', 'print JSON')
    .option('--csv', 'with --file: print CSV')
    .action(
      async (
        value: string | undefined,
        opts: TrustOptions & {
          issuer?: string;
          url?: string;
          json?: boolean;
          csv?: boolean;
          file?: string;
        },
      ) => {
        if (opts.file !== undefined) {
          if (value !== undefined)
            throw new CliError('give a certificate or serial, or --file <list>, not both');
          if (opts.json && opts.csv) throw new CliError('--json or --csv, not both');
          const entries = readCertificateList(opts.file);
          const rows = await checkList(entries, await trustSetFromOptions(opts), opts.url);
          process.stdout.write(
            opts.json
              ? `${JSON.stringify(rows, null, 2)}\n`
              : opts.csv
                ? rowsToCsv(rows)
                : rowsToTable(rows),
          );
          process.exitCode = listExitCode(rows);
          return;
        }
        if (value === undefined)
          throw new CliError('give a serial number or a certificate, or --file <list>');
        const text = value.trim();
        let serial: string;
        let issuer: string | undefined =
          opts.issuer === undefined ? undefined : asciiUpper(opts.issuer);
        let card: number | undefined;
        let brandName: string | undefined;
        let base = opts.url;
        if (CERTIFICATE.test(text)) {
          const keys = await trustFromOptions(opts);
          const verdict = verify(text, keys, { now: new Date() });
          if (!verdict.ok) {
            process.stdout.write(
              opts.json
                ? `${JSON.stringify({ authentic: false, code: verdict.code, message: verdict.message }, null, 2)}\n`
                : `NOT AUTHENTIC  ${verdict.code}: ${verdict.message}\n`,
            );
            process.exitCode = 1;
            return;
          }
          ({ sn: serial, iss: issuer, gen: card } = verdict.claims);
          brandName = verdict.brandName;
          if (!base && opts.trustList && opts.root)
            base = (await loadTrustList(opts.trustList, opts.root)).payload.brands.find(
              (b) => b.code === issuer,
            )?.url;
        } else serial = serialArg(text);

        let result: Result | undefined;
        if (base)
          result = await askService(
            base,
            card === undefined ? { serial, issuer } : { certificate: text },
          );
        else if (card === undefined)
          result = withRegistry(
            (registry, config) =>
              retailerCheck(
                registry,
                issuer ?? config.issuer,
                serial,
                Math.floor(Date.now() / 1000),
              ),
            { needsKey: false },
          );
        else {
          const line = `${serial}: AUTHENTIC (signed by ${brandName ?? issuer}), status NOT CHECKED: give --url, or a trust list naming the brand's service\n`;
          process.stdout.write(
            opts.json ? `${JSON.stringify({ authentic: true, status: 'unchecked' })}\n` : line,
          );
          process.exitCode = 3;
          return;
        }
        if (opts.json)
          process.stdout.write(
            `${JSON.stringify(result ?? { authentic: false, status: 'unknown' }, null, 2)}\n`,
          );
        else if (!result)
          process.stdout.write(`${serial}: NOT A HALLMARK WATCH (no certificate)\n`);
        else
          process.stdout.write(
            `${serial}: ${result.authentic ? 'AUTHENTIC' : 'NOT AUTHENTIC'}${brandName ? ` (signed by ${brandName})` : ''}, status ${result.status.toUpperCase()}, card #${card ?? result.generation}, ` +
              `${result.owners} registered owner(s), last transfer ${result.lastTransferAt ?? 'none'}\n`,
          );
        process.exitCode = result?.authentic && result.status === 'active' ? 0 : 1;
      },
    );
}
