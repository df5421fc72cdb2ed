/** `hallmark reports held|approve|reject`: stolen reports held for review (over a token's allowance). */
import type { Command } from 'commander';
import { loadConfig } from '../../server/config.ts';
import { NoSuchReportError, stolenReports } from '../../server/status/stolen-reports.ts';
import { TransitionError } from '../../server/status/status-service.ts';
import { asciiUpper } from '../../shared/claims.ts';
import { CliError, intOption } from './io.ts';
import { cliActor, withRegistry } from './registry.ts';

const reportsOf = (registry: Parameters<typeof stolenReports>[0]) =>
  stolenReports(registry, loadConfig(process.env).stolenReportsPerHour);

export function registerReportCommands(reports: Command): void {
  reports
    .command('held')
    .description('list the stolen reports waiting for review')
    .option('--brand <code>', 'one brand only')
    .action((opts: { brand?: string }) => {
      withRegistry(
        (registry) => {
          for (const r of reportsOf(registry).pending(
            opts.brand === undefined ? undefined : asciiUpper(opts.brand),
          ))
            process.stdout.write(
              `#${r.id}  ${r.issuer.padEnd(8)} ${r.serial.padEnd(20)} ${new Date(r.at * 1000).toISOString()}  ${r.actor}${r.reason ? `  "${r.reason}"` : ''}\n`,
            );
        },
        { needsKey: false },
      );
    });

  for (const [name, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    reports
      .command(name)
      .description(
        decision === 'approved'
          ? 'apply a held report: the watch is marked stolen'
          : 'drop a held report; the watch stays as it is',
      )
      .argument(
        '<id>',
        'the report number, from `reports held`',
        intOption(1, Number.MAX_SAFE_INTEGER),
      )
      .option('--reason <text>', 'why (kept in the audit trail)')
      .action((id: number, opts: { reason?: string }) => {
        withRegistry(
          (registry) => {
            try {
              const record = reportsOf(registry).decide(
                id,
                decision,
                cliActor(`reports ${name}`),
                opts.reason,
              );
              process.stdout.write(
                `#${id} ${decision}${record ? `: ${record.serial} is ${record.status}` : ''}\n`,
              );
            } catch (error) {
              if (error instanceof NoSuchReportError || error instanceof TransitionError)
                throw new CliError(error.message, 1);
              throw error;
            }
          },
          { needsKey: false },
        );
      });
  }
}
