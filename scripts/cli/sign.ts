/** `hallmark sign`: watch fields in (JSON), certificate out (compact JWS, QR text, URL). */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readKeyFile } from '../../server/keys/key-file.ts';
import { renderPng, renderSvg } from '../../server/qr/render.ts';
import { signCertificate } from '../../shared/certificate.ts';
import { MAX_GENERATION, MAX_STATUS_INDEX } from '../../shared/claims.ts';
import { HallmarkError } from '../../shared/errors.ts';
import { toQr } from '../../shared/qr.ts';
import { parseWatchInput, watchClaims } from '../../shared/watch-input.ts';
import { CliError, intOption, parseJson, passphraseFromEnv, readInput, timeOption } from './io.ts';

interface SignOptions {
  key: string;
  issuer?: string;
  baseUrl: string;
  statusIndex: number;
  generation: number;
  issuedAt?: number;
  png?: string;
  svg?: string;
}

export function registerSignCommand(program: Command): void {
  program
    .command('sign')
    .description('sign the watch fields in a JSON file (or - for stdin) and print the certificate')
    .argument(
      '<watch.json>',
      'JSON with serial, reference, model, caseMaterial, calibre, manufacturedOn[, issuer]',
    )
    .requiredOption('--key <file>', 'sealed key file from `hallmark keys generate`')
    .option(
      '--issuer <code>',
      'brand code, when the JSON has no issuer',
      process.env.HALLMARK_ISSUER,
    )
    .option(
      '--base-url <url>',
      'verification page URL',
      process.env.HALLMARK_PUBLIC_URL ?? 'http://localhost:8080/',
    )
    .option('--status-index <n>', 'status-list index', intOption(0, MAX_STATUS_INDEX), 0)
    .option('--generation <n>', 're-issue counter', intOption(1, MAX_GENERATION), 1)
    .option('--issued-at <time>', 'issue time (ISO 8601 or epoch seconds; default now)', timeOption)
    .option('--png <file>', 'also write the QR code as PNG')
    .option('--svg <file>', 'also write the QR code as SVG')
    .action(async (file: string, opts: SignOptions) => {
      const watch = withFieldErrors(() => parseWatchInput(parseJson(readInput(file), file)));
      const issuer = watch.issuer ?? opts.issuer;
      if (!issuer)
        throw new CliError(
          'no issuer: put "issuer" in the JSON or pass --issuer (or set HALLMARK_ISSUER)',
        );
      const { key } = readKeyFile(opts.key, passphraseFromEnv());
      const claims = withFieldErrors(() =>
        watchClaims(watch, {
          issuer,
          issuedAt: opts.issuedAt ?? Math.floor(Date.now() / 1000),
          statusIndex: opts.statusIndex,
          generation: opts.generation,
        }),
      );
      const cert = signCertificate(claims, key.kid, key.sign);
      const qr = toQr(cert, opts.baseUrl);
      if (opts.png) writeFileSync(opts.png, await renderPng(qr));
      if (opts.svg) writeFileSync(opts.svg, await renderSvg(qr));
      const out = { kid: cert.kid, claims: cert.claims, jws: cert.jws, qr: qr.text, url: qr.url };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });
}

/** Runs `fn`, turning field errors into one CLI error that lists each field and reason. */
function withFieldErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof HallmarkError && error.fields) {
      const lines = error.fields.map((f) => `  ${f.path}: ${f.message}`).join('\n');
      throw new CliError(`invalid watch fields:\n${lines}`);
    }
    throw error;
  }
}
