/** `hallmark revoke | report-stolen | recover` on the registry named by HALLMARK_DB. */
import type { Command } from 'commander';
import { asciiUpper, serialNumber } from '../../shared/claims.ts';
import {
  statusService,
  TransitionError,
  UnknownCertificateError,
  type StatusAction,
} from '../../server/status/status-service.ts';
import { CliError } from './io.ts';
import { cliActor, withRegistry } from './registry.ts';

export function serialArg(value: string): string {
  const serial = asciiUpper(value);
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
}
