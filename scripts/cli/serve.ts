/** `hallmark serve` (what `npm start` runs): the issuing service until SIGTERM / SIGINT. */
import type { Command } from 'commander';
import { ConfigError } from '../../server/config.ts';
import { SealError } from '../../server/keys/sealed.ts';
import { CliError } from './io.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the issuing service (configuration from the environment; see README)')
    .action(async () => {
      let service;
      try {
        // Loaded on use: express, esbuild and pino are not needed by the other commands.
        const { startService } = await import('../../server/main.ts');
        service = await startService(process.env);
      } catch (error) {
        if (error instanceof ConfigError) throw new CliError(error.message);
        if (error instanceof SealError) {
          throw new CliError(
            'cannot open the signing key: HALLMARK_KEY_PASSPHRASE is wrong or the key data is damaged',
            1,
          );
        }
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
          throw new CliError(`port in use: ${(error as Error).message}`, 1);
        throw error;
      }
      const stop = () => void service.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
