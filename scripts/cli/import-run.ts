/**
 * The import in its worker thread (see import-job.ts): the command line's mapping and brand
 * checked, the registry opened, the rows imported, the log's checkpoint published.
 */
import { startCheckpointer } from '../../server/db/checkpointer.ts';
import { describeLocation } from '../../server/db/database.ts';
import { isPostgresUrl } from '../../server/db/location.ts';
import type { ImportOptions, ImportProgress, ImportSummary } from '../../server/import/importer.ts';
import { loadMapping, type Mapping } from '../../server/import/mapping.ts';
import { issuerCode } from '../../shared/claims.ts';
import type { ImportJob } from './import-job.ts';
import { CliError } from './io.ts';
import { cliActor, nowSeconds, withRegistry } from './registry.ts';

/**
 * How often the import's checkpoint thread copies the WAL into the database. The import's own
 * commits then never run a checkpoint (SQLite's automatic one, every 1,000 pages, with two
 * fsyncs, inside a chunk's commit): on 100,000 rows, about 10 % faster in alternating runs.
 */
const CHECKPOINT_MS = 200;

/** A failed checkpoint does not fail the import (the WAL keeps the rows): it is told on stderr. */
const checkpointWarning = (fields: object, message: string) =>
  process.stderr.write(
    `warning: ${message}: ${Object.values(fields).map(String).join(', ')} (the rows are safe in the WAL)\n`,
  );

/** The import itself (in the worker thread): the registry, the rows, the checkpoint. */
export async function runImportJob(
  job: ImportJob,
  onProgress: (p: ImportProgress) => void,
  ahead?: ImportOptions['ahead'],
): Promise<ImportSummary> {
  let mapping: Mapping;
  try {
    mapping = loadMapping(job.mapping);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  if (job.issuer !== undefined && !issuerCode.safeParse(job.issuer).success)
    throw new CliError('--issuer must be 2-8 upper-case letters or digits');
  return withRegistry(
    async (registry, config) => {
      const { ImportError, runImport } = await import('../../server/import/importer.ts');
      const defaultIssuer = job.issuer ?? config.issuer;
      const brands = registry.brands.list().map((b) => b.code);
      if (brands.length === 0)
        throw new CliError(
          `the registry ${describeLocation(config.dbPath)} has no brand yet: start the service once (npm start) to create it with a development key and sample data, or add the brand: hallmark brands add --code ${defaultIssuer} --name "<brand name>"`,
        );
      const checkpointer =
        job.dryRun || isPostgresUrl(config.dbPath)
          ? undefined
          : startCheckpointer(
              registry.db,
              config.dbPath,
              { warn: checkpointWarning, error: checkpointWarning },
              CHECKPOINT_MS,
            );
      try {
        const summary = await runImport(registry, {
          file: job.file,
          format: job.format,
          encoding: job.encoding,
          ...(job.delimiter === undefined ? {} : { delimiter: job.delimiter }),
          ...(job.sheet === undefined ? {} : { sheet: job.sheet }),
          mapping,
          dryRun: job.dryRun,
          reportPath: job.reportPath,
          actor: cliActor('import'),
          defaultIssuer,
          now: nowSeconds,
          onProgress,
          ...(ahead ? { ahead } : {}),
        });
        if (!summary.dryRun && summary.issued > 0) {
          // The service publishes a checkpoint each second; without one running, do it here.
          const { openLogIdentity, publishCheckpoint } =
            await import('../../server/log/log-service.ts');
          publishCheckpoint(
            registry,
            openLogIdentity(registry, config.logOrigin, nowSeconds()),
            nowSeconds(),
          );
        }
        return summary;
      } catch (error) {
        if (error instanceof ImportError) throw new CliError(error.message);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new CliError(`cannot read ${job.file}`);
        if (code === 'HALLMARK_FILE') throw new CliError((error as Error).message);
        throw error;
      } finally {
        await checkpointer?.stop();
      }
    },
    { needsKey: !job.dryRun },
  );
}
