/** `hallmark revoke | report-stolen | recover | check` on the registry named by HALLMARK_DB. */
import type { Command } from 'commander';
import { serialNumber } from '../../shared/claims.ts';
import {
  statusService,
  TransitionError,
  UnknownCertificateError,
  type StatusAction,
} from '../../server/status/status-service.ts';
import { retailerCheck } from '../../server/status/retailer-check.ts';
import { CliError } from './io.ts';
import { cliActor, withRegistry } from './registry.ts';

function serialArg(value: string): string {
  const serial = value.trim().toUpperCase();
  if (!serialNumber.safeParse(serial).success)
    throw new CliError(`${value} is not a valid serial number`);
  return serial;
}

function registerChange(
  program: Command,
  name: string,
  action: StatusAction,
  description: string,
  reasonRequired: boolean,
): void {
  const command = program
    .command(name)
    .description(description)
    .argument('<serial>', 'the watch serial number')
    .option('--issuer <code>', 'brand code (default: HALLMARK_ISSUER)');
  if (reasonRequired) command.requiredOption('--reason <text>', 'why (kept in the audit trail)');
  else command.option('--reason <text>', 'why (kept in the audit trail)');
  command.action((value: string, opts: { issuer?: string; reason?: string }) => {
    const serial = serialArg(value);
    withRegistry(
      (registry, config) => {
        try {
          const record = statusService(registry).change(
            opts.issuer ?? config.issuer,
            serial,
            action,
            cliActor(name),
            opts.reason,
          );
          process.stdout.write(`${record.serial}: ${record.status}\n`);
        } catch (error) {
          if (error instanceof TransitionError || error instanceof UnknownCertificateError)
            throw new CliError(error.message, 1);
          throw error;
        }
      },
      { needsKey: false },
    );
  });
}

export function registerLifecycleCommands(program: Command): void {
  registerChange(program, 'revoke', 'revoke', 'revoke a certificate (reason required)', true);
  registerChange(program, 'report-stolen', 'stolen', 'report the watch stolen', false);
  registerChange(program, 'recover', 'recovered', 'mark a stolen watch as recovered', false);

  program
    .command('check')
    .description('retailer check: authentic, status, number of owners, last transfer (never who)')
    .argument('<serial>', 'the watch serial number')
    .option('--issuer <code>', 'brand code (default: HALLMARK_ISSUER)')
    .option(
      '--url <service>',
      'ask a running service (e.g. https://verify.brand.example) instead of HALLMARK_DB',
    )
    .option('--json', 'print JSON')
    .action(async (value: string, opts: { issuer?: string; url?: string; json?: boolean }) => {
      const serial = serialArg(value);
      let result:
        | {
            authentic: boolean;
            status: string;
            owners: number;
            lastTransferAt: string | null;
            generation: number;
          }
        | undefined;
      if (opts.url) {
        const url = new URL(
          `api/v1/certificates/${encodeURIComponent(serial)}/check${opts.issuer ? `?issuer=${encodeURIComponent(opts.issuer)}` : ''}`,
          opts.url.endsWith('/') ? opts.url : `${opts.url}/`,
        );
        let response: Response;
        try {
          response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        } catch (error) {
          throw new CliError(`cannot reach ${opts.url}: ${(error as Error).message}`);
        }
        if (response.status !== 404 && !response.ok)
          throw new CliError(`${opts.url} answered HTTP ${response.status}`);
        result = response.status === 404 ? undefined : ((await response.json()) as typeof result);
      } else {
        result = withRegistry(
          (registry, config) =>
            retailerCheck(
              registry,
              opts.issuer ?? config.issuer,
              serial,
              Math.floor(Date.now() / 1000),
            ),
          {
            needsKey: false,
          },
        );
      }
      if (opts.json)
        process.stdout.write(
          `${JSON.stringify(result ?? { authentic: false, status: 'unknown' }, null, 2)}\n`,
        );
      else if (!result) process.stdout.write(`${serial}: NOT A HALLMARK WATCH (no certificate)\n`);
      else {
        process.stdout.write(
          `${serial}: ${result.authentic ? 'AUTHENTIC' : 'NOT AUTHENTIC'}, status ${result.status.toUpperCase()}, card #${result.generation}, ` +
            `${result.owners} registered owner(s), last transfer ${result.lastTransferAt ?? 'none'}\n`,
        );
      }
      process.exitCode = result?.authentic && result.status === 'active' ? 0 : 1;
    });
}
