/** The `hallmark` command line: one entry, one file per command group. */
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { CliError, EXIT, userFailure } from './io.ts';

const program = new Command('hallmark')
  .description('Signed certificates of authenticity for watches')
  .version(pkg.version, '-V, --version', 'print the version')
  .showHelpAfterError()
  .exitOverride();

/**
 * The command groups, each loaded only when it runs (or for the full help): a command imports
 * what it needs and nothing else, so `hallmark --version` or `hallmark verify` starts fast.
 * The order is the help's order.
 */
const GROUPS: { names: string[]; load: () => Promise<unknown> }[] = [
  {
    names: ['keys'],
    load: async () => {
      const keys = program.command('keys').description('signing keys');
      (await import('./keys.ts')).registerKeyFileCommands(keys);
      (await import('./registry-keys.ts')).registerRegistryKeyCommands(keys);
    },
  },
  {
    names: ['serve'],
    load: async () => (await import('./serve.ts')).registerServeCommand(program),
  },
  {
    names: ['brands'],
    load: async () =>
      (await import('./brands.ts')).registerBrandCommands(
        program.command('brands').description('brands (maisons): trust domains'),
      ),
  },
  {
    names: ['root', 'trust-list'],
    load: async () => (await import('./trust-list.ts')).registerTrustCommands(program),
  },
  {
    names: ['tokens'],
    load: async () =>
      (await import('./tokens.ts')).registerTokenCommands(
        program.command('tokens').description('API tokens'),
      ),
  },
  {
    names: ['backup', 'restore'],
    load: async () => (await import('./backup.ts')).registerBackupCommands(program),
  },
  {
    names: ['import'],
    load: async () => (await import('./import.ts')).registerImportCommand(program),
  },
  {
    names: ['print'],
    load: async () => (await import('./print.ts')).registerPrintCommand(program),
  },
  {
    names: ['revoke', 'report-stolen', 'recover'],
    load: async () => (await import('./lifecycle.ts')).registerLifecycleCommands(program),
  },
  {
    names: ['check'],
    load: async () => (await import('./check.ts')).registerCheckCommand(program),
  },
  {
    names: ['reports'],
    load: async () =>
      (await import('./reports.ts')).registerReportCommands(
        program.command('reports').description('stolen reports held for review'),
      ),
  },
  { names: ['sign'], load: async () => (await import('./sign.ts')).registerSignCommand(program) },
  {
    names: ['verify'],
    load: async () => (await import('./verify.ts')).registerVerifyCommand(program),
  },
  { names: ['log'], load: async () => (await import('./log.ts')).registerLogCommands(program) },
  {
    names: ['publish'],
    load: async () => (await import('./publish.ts')).registerPublishCommand(program),
  },
];

const first = process.argv[2];
const group = GROUPS.find((g) => first !== undefined && g.names.includes(first));
if (group) await group.load();
else if (first !== '-V' && first !== '--version') for (const g of GROUPS) await g.load();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage errors (already printed by commander) exit 2.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof CliError || userFailure(error)) {
    // A failure the user can cause (matched by name or code: most modules load on use).
    const failure = error instanceof CliError ? error : userFailure(error)!;
    process.stderr.write(`hallmark: ${failure.message}\n`);
    process.exitCode = failure.exitCode;
  } else if ((error as Error).name === 'Pkcs11Failure') {
    // A wrong PIN, a missing module or key, a token gone: one line, and a non-zero exit.
    process.stderr.write(`hallmark: ${(error as Error).message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`hallmark: unexpected error: ${(error as Error).message}\n`);
    process.exitCode = EXIT.unexpected;
  }
}
