/** `hallmark serve` (what `npm start` runs): the issuing service until SIGTERM / SIGINT. */
import type { Command } from 'commander';
import { ConfigError } from '../../server/config.ts';
import { SealError } from '../../server/keys/sealed.ts';
import { Pkcs11Failure } from '../../server/keys/pkcs11-core.mjs';
import type { RunningService } from '../../server/main.ts';
import { CliError, EXIT, userFailure } from './io.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the issuing service (configuration from the environment; see README)')
    .action(async () => {
      // The handlers come first: the service says "listening" before startService returns,
      // and a SIGTERM in between would otherwise kill it without a graceful stop.
      let starting: Promise<RunningService | undefined> = Promise.resolve(undefined);
      const stop = () =>
        void starting
          .catch(() => undefined)
          .then((service) => service?.close())
          .then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        // Loaded on use: express, esbuild and pino are not needed by the other commands.
        const { startService } = await import('../../server/main.ts');
        starting = startService(process.env);
        await starting;
      } catch (error) {
        process.removeListener('SIGTERM', stop);
        process.removeListener('SIGINT', stop);
        if (error instanceof ConfigError) throw new CliError(error.message);
        if (error instanceof SealError) {
          throw new CliError(
            'cannot open the signing key: HALLMARK_KEY_PASSPHRASE is wrong or the key data is damaged',
            EXIT.wrongPassphrase,
          );
        }
        if (error instanceof Pkcs11Failure) throw new CliError(error.message, 1);
        throw userFailure(error, (error as { path?: string }).path) ?? error;
      }
    });
}
