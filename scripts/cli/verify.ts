/** `hallmark verify`: the verdict on a certificate, with the claims or the reason. Exit 1 if not authentic. */
import type { Command } from 'commander';
import type { Claims } from '../../shared/claims.ts';
import { verify, type Verdict } from '../../shared/verify.ts';
import { readInput, timeOption } from './io.ts';
import { trustFromOptions, type TrustOptions } from './trust.ts';

/** Human wording of the claims, in the order a buyer compares them with the watch. */
export function describeClaims(c: Claims): [string, string][] {
  return [
    ['brand', c.iss],
    ['serial', `${c.sn}  (compare with the serial engraved on the caseback)`],
    ['model', c.mdl],
    ['reference', c.ref],
    ['case', c.cas],
    ['calibre', c.cal],
    ['manufactured', c.mfd],
    ['issued', new Date(c.iat * 1000).toISOString()],
    ['generation', String(c.gen)],
  ];
}

/** The trust options `verify` and `check` share. */
export function trustOptions(command: Command): Command {
  return command
    .option('--trust-list <file|url>', "the operator's signed trust list (every brand on it)")
    .option('--root <file>', "the operator's root public key (JWKS), to verify the trust list")
    .option('--jwks <file|url>', 'or: public keys to trust (JWKS), bound to their "brand" member')
    .option('--brand <code>', 'with --jwks: the brand of keys that name none');
}

function formatVerdict(verdict: Verdict): string {
  if (!verdict.ok) {
    const fields = verdict.fields?.map((f) => `\n  ${f.path}: ${f.message}`).join('') ?? '';
    return `NOT AUTHENTIC  ${verdict.code}: ${verdict.message}${fields}\n`;
  }
  const rows = describeClaims(verdict.claims).map(([k, v]) => `  ${k.padEnd(13)}${v}`);
  const by = verdict.brandName ? `${verdict.brandName} (key ${verdict.kid})` : verdict.kid;
  const warning =
    verdict.keyCompromisedSince === undefined
      ? ''
      : `  WARNING      its key was compromised on ${new Date(verdict.keyCompromisedSince * 1000).toISOString()}; the certificate's earlier date is the signer's word: confirm with \`hallmark check\` against the brand's registry\n`;
  return `AUTHENTIC\n${rows.join('\n')}\n  signed by    ${by}\n${warning}`;
}

export function registerVerifyCommand(program: Command): void {
  trustOptions(
    program
      .command('verify')
      .description('verify a certificate: QR URL, QR text, digits or compact JWS (- reads stdin)')
      .argument('<certificate>', 'the certificate, or - to read it from standard input'),
  )
    .option('--now <time>', 'verify as of this time (ISO 8601 or epoch seconds)', timeOption)
    .option('--json', 'print the verdict as JSON')
    .action(async (input: string, opts: TrustOptions & { now?: number; json?: boolean }) => {
      const keys = await trustFromOptions(opts);
      const text = input === '-' ? readInput('-') : input;
      const verdict = verify(text, keys, { now: opts.now ?? new Date() });
      process.stdout.write(
        opts.json ? `${JSON.stringify(verdict, null, 2)}\n` : formatVerdict(verdict),
      );
      // 3: a valid signature by a key compromised later, which only the registry can confirm.
      process.exitCode = !verdict.ok ? 1 : verdict.keyCompromisedSince === undefined ? 0 : 3;
    });
}
