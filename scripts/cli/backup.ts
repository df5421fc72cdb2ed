/** `hallmark backup <file>` (online, consistent) and `hallmark restore <file>` (checked first). */
import type { Command } from 'commander';
import { backupTo, checkCopy, restoreFrom } from '../../server/db/backup.ts';
import { describeLocation, openDatabase } from '../../server/db/database.ts';
import { resolvePassphrase } from '../../server/keys/passphrase.ts';
import { CliError } from './io.ts';
import { cliConfig } from './registry.ts';

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('write a consistent copy of the registry (HALLMARK_DB) while the service runs')
    .argument('<file>', 'the copy to create (must not exist)')
    .action((file: string) => {
      const config = cliConfig();
      const db = openDatabase(config.dbPath);
      try {
        const count = backupTo(db, file, config.dbPath);
        process.stderr.write(
          `backed up ${describeLocation(config.dbPath)} to ${file}: ${count} certificates, all verified\n`,
        );
      } catch (error) {
        throw new CliError(`backup failed: ${(error as Error).message}`, 1);
      } finally {
        db.close();
      }
    });

  program
    .command('restore')
    .description(
      'check a backup (integrity, every certificate re-verified) and restore it to HALLMARK_DB',
    )
    .argument('<file>', 'the backup to restore')
    .option('--force', 'replace an existing registry (stop the service first)')
    .option('--check-only', 'check the backup, change nothing')
    .action((file: string, opts: { force?: boolean; checkOnly?: boolean }) => {
      const config = cliConfig();
      let passphrase: string | undefined;
      try {
        passphrase = resolvePassphrase(config, { create: false }).passphrase;
      } catch {
        passphrase = undefined; // the key check is skipped, the certificates are still verified
      }
      const keyCheck = {
        legacyBrand: config.issuer,
        ...(passphrase === undefined ? {} : { passphrase }),
      };
      let report;
      try {
        report = opts.checkOnly
          ? checkCopy(file, keyCheck)
          : restoreFrom(file, config.dbPath, { force: opts.force ?? false, ...keyCheck });
      } catch (error) {
        throw new CliError(`restore failed: ${(error as Error).message}`, 1);
      }
      if (report.problems.length > 0) {
        throw new CliError(
          `the backup is not sound; nothing restored:\n${report.problems.map((p) => `  ${p}`).join('\n')}`,
          1,
        );
      }
      process.stderr.write(
        `${file}: integrity ok, ${report.certificates} certificates verified with ${report.keys} keys\n`,
      );
      if (!opts.checkOnly) process.stderr.write(`restored to ${describeLocation(config.dbPath)}\n`);
    });
}
