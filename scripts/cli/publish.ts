/**
 * `hallmark publish --out <dir> [--every <seconds>]`: the verification data as static files
 * (server/publish/publish.ts), once, or again every N seconds until stopped.
 */
import type { Command } from 'commander';
import { publishStatic, type PublishResult } from '../../server/publish/publish.ts';
import { STATUS_LIST_TTL } from '../../server/status/status-lists.ts';
import { CliError } from './io.ts';
import { withRegistry } from './registry.ts';

const summary = (out: string, r: PublishResult) =>
  `published to ${out}: ${r.written} files written, ${r.kept} unchanged tiles and assets kept; ${r.statusLists} status lists; ${
    r.logSize === undefined ? 'no log checkpoint yet' : `log of ${r.logSize} entries`
  }; ${r.trustListSeq === undefined ? 'NO TRUST LIST installed' : `trust list #${r.trustListSeq}`}\n`;

export function registerPublishCommand(program: Command): void {
  program
    .command('publish')
    .description(
      'write the page, trust list, JWKS, status lists and public log as static files for a CDN',
    )
    .requiredOption('--out <dir>', 'the folder to write (created if missing)')
    .option(
      '--every <seconds>',
      `publish again every N seconds until stopped (status lists are valid ${STATUS_LIST_TTL / 3600} h)`,
    )
    .action(async (opts: { out: string; every?: string }) => {
      let every: number | undefined;
      if (opts.every !== undefined) {
        every = Number(opts.every);
        if (!Number.isInteger(every) || every < 1 || every > STATUS_LIST_TTL / 2)
          throw new CliError(
            `--every: must be a whole number of seconds from 1 to ${STATUS_LIST_TTL / 2}, got ${JSON.stringify(opts.every)}`,
          );
      }
      await withRegistry(async (registry) => {
        let stopped = false;
        let wake: (() => void) | undefined;
        let timer: NodeJS.Timeout | undefined;
        const stop = () => {
          stopped = true;
          clearTimeout(timer);
          wake?.();
        };
        process.once('SIGINT', stop).once('SIGTERM', stop);
        try {
          do {
            let result: PublishResult;
            try {
              result = await publishStatic(registry, opts.out);
            } catch (error) {
              const e = error as NodeJS.ErrnoException;
              if (e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'ENOTDIR')
                throw new CliError(`cannot write to ${opts.out}: ${e.message}`, 1);
              throw error;
            }
            process.stderr.write(summary(opts.out, result));
            for (const list of result.unsigned)
              process.stderr.write(
                `hallmark: not published, the brand has no active key: ${list}\n`,
              );
            if (every === undefined || stopped) break;
            await new Promise<void>((resolve) => {
              wake = resolve;
              timer = setTimeout(resolve, every * 1000);
            });
          } while (!stopped);
        } finally {
          process.off('SIGINT', stop).off('SIGTERM', stop);
        }
      });
    });
}
