/** `hallmark verify`: the verdict on a certificate, with the claims or the reason. Exit 1 if not authentic. */
import type { Command } from 'commander';
import type { Claims } from '../../shared/claims.ts';
import { certificateLeaf } from '../../shared/tlog/entry.ts';
import { verifyTlogProof } from '../../shared/tlog/proof.ts';
import { verify, type Verdict } from '../../shared/verify.ts';
import { CliError, intOption, readInput, timeOption } from './io.ts';
import { checkInLog, EXIT, logOptions, logPolicyFrom, type LogOptions } from './log.ts';
import { trustOptions, trustSetFromOptions, type TrustOptions } from './trust.ts';

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

type VerifyOptions = TrustOptions &
  LogOptions & { now?: number; json?: boolean; index?: number; proof?: string };

export function registerVerifyCommand(program: Command): void {
  logOptions(
    trustOptions(
      program
        .command('verify')
        .description(
          'verify a certificate: QR URL, QR text, digits or compact JWS (- reads stdin); with --log or --proof, its place in the public issuance log too',
        )
        .argument('<certificate>', 'the certificate, or - to read it from standard input'),
    ),
  )
    .option('--now <time>', 'verify as of this time (ISO 8601 or epoch seconds)', timeOption)
    .option('--json', 'print the verdict as JSON')
    .option(
      '--index <n>',
      'with --log: its log index (for a JWS, which carries none)',
      intOption(0, Number.MAX_SAFE_INTEGER),
    )
    .option('--proof <file>', 'check inclusion offline with a C2SP tlog-proof (hallmark log proof)')
    .action(async (input: string, opts: VerifyOptions) => {
      const { keys, list } = await trustSetFromOptions(opts);
      const text = input === '-' ? readInput('-') : input;
      const verdict = verify(text, keys, { now: opts.now ?? new Date() });
      let logLine = '';
      let logged: { index: number; size: number; origin: string; witnesses: string[] } | undefined;
      if (verdict.ok && (opts.log || opts.proof)) {
        if (opts.proof) {
          try {
            const { proof, checkpoint } = verifyTlogProof(
              readInput(opts.proof),
              certificateLeaf(verdict.jws),
              logPolicyFrom(opts, list),
            );
            logged = {
              index: proof.index,
              size: checkpoint.size,
              origin: checkpoint.origin,
              witnesses: checkpoint.witnessedBy,
            };
          } catch (error) {
            if (error instanceof CliError) throw error;
            throw new CliError(
              `NOT IN THE LOG: the proof does not hold (${(error as Error).message})`,
              EXIT.notLogged,
            );
          }
        } else {
          const { index, checkpoint } = await checkInLog(verdict, opts, list);
          logged = {
            index,
            size: checkpoint.size,
            origin: checkpoint.origin,
            witnesses: checkpoint.witnessedBy,
          };
        }
        const cosigned =
          logged.witnesses.length > 0 ? `, cosigned by ${logged.witnesses.join(', ')}` : '';
        logLine = `  logged       entry ${logged.index} of ${logged.size} in ${logged.origin}${cosigned}\n`;
      }
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(logged ? { ...verdict, logged } : verdict, null, 2)}\n`
          : formatVerdict(verdict) + logLine,
      );
      // 3: a valid signature by a key compromised later, which only the registry can confirm.
      process.exitCode = !verdict.ok ? 1 : verdict.keyCompromisedSince === undefined ? 0 : 3;
    });
}
