/** The `hallmark` command line: one entry, one file per command group. */
import { Command, CommanderError } from 'commander';
import { SealError } from '../../server/keys/sealed.ts';
import { Pkcs11Failure } from '../../server/keys/pkcs11-core.mjs';
import { CliError } from './io.ts';
import { registerBackupCommands } from './backup.ts';
import { registerBrandCommands } from './brands.ts';
import { registerCheckCommand } from './check.ts';
import { registerImportCommand } from './import.ts';
import { registerKeyFileCommands } from './keys.ts';
import { registerLifecycleCommands } from './lifecycle.ts';
import { registerLogCommands } from './log.ts';
import { registerPrintCommand } from './print.ts';
import { registerRegistryKeyCommands } from './registry-keys.ts';
import { registerReportCommands } from './reports.ts';
import { registerServeCommand } from './serve.ts';
import { registerTokenCommands } from './tokens.ts';
import { registerSignCommand } from './sign.ts';
import { registerTrustCommands } from './trust-list.ts';
import { registerVerifyCommand } from './verify.ts';

const program = new Command('hallmark')
  .description('Signed certificates of authenticity for watches')
  .showHelpAfterError()
  .exitOverride();

const keys = program.command('keys').description('signing keys');
registerKeyFileCommands(keys);
registerRegistryKeyCommands(keys);
registerServeCommand(program);
registerBrandCommands(program.command('brands').description('brands (maisons): trust domains'));
registerTrustCommands(program);
registerTokenCommands(program.command('tokens').description('API tokens'));
registerBackupCommands(program);
registerImportCommand(program);
registerPrintCommand(program);
registerLifecycleCommands(program);
registerCheckCommand(program);
registerReportCommands(program.command('reports').description('stolen reports held for review'));
registerSignCommand(program);
registerVerifyCommand(program);
registerLogCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage errors (already printed by commander) exit 2.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof CliError || error instanceof SealError) {
    process.stderr.write(`hallmark: ${error.message}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 2;
  } else if (error instanceof Pkcs11Failure) {
    // A wrong PIN, a missing module or key, a token gone: one line, and a non-zero exit.
    process.stderr.write(`hallmark: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`hallmark: unexpected error: ${(error as Error).message}\n`);
    process.exitCode = 70;
  }
}
