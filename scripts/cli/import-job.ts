/**
 * `hallmark import` runs in a worker thread whose heap is capped, so that the import's memory
 * stays within its budget (256 MB, flat in the file's size) whatever V8's heuristics would
 * let the main thread's heap grow to. This thread shows progress and the result; failures
 * come back with their kind (a CLI message, a wrong passphrase, a token failure) and print as
 * they would in-process.
 */
import { Worker } from 'node:worker_threads';
import { startCheckpointer } from '../../server/db/checkpointer.ts';
import { describeLocation, isPostgresUrl } from '../../server/db/database.ts';
import type { ImportOptions, ImportProgress, ImportSummary } from '../../server/import/importer.ts';
import { CliError } from './io.ts';
import { cliActor, nowSeconds, withRegistry } from './registry.ts';

/** What the command line asked for, validated: the import's own options, and the brand. */
export type ImportJob = Pick<
  ImportOptions,
  'file' | 'format' | 'encoding' | 'delimiter' | 'sheet' | 'mapping' | 'dryRun' | 'reportPath'
> & { issuer?: string };

/**
 * The import thread's heap: its live data is a few chunks (about 20 MB). Uncapped, V8 let
 * garbage pile up to 140 MB on a million rows (300 MB peak RSS); capped here, peak RSS stays
 * near 230 MB. A tighter cap (64 MB) makes garbage collection cost a third of the speed.
 */
const IMPORT_HEAP = { maxOldGenerationSizeMb: 112, maxYoungGenerationSizeMb: 48 };

export type JobMessage =
  | { progress: ImportProgress }
  | { summary: ImportSummary }
  | { error: { name: string; message: string; code?: string; exitCode?: number } };

export function importInWorker(
  job: ImportJob,
  onProgress: (p: ImportProgress) => void,
): Promise<ImportSummary> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./import-worker.mjs', import.meta.url), {
      workerData: job,
      resourceLimits: IMPORT_HEAP,
    });
    let settled = false;
    worker.on('message', (message: JobMessage) => {
      if ('progress' in message) return onProgress(message.progress);
      settled = true;
      if ('summary' in message) return resolve(message.summary);
      const { name, message: text, code, exitCode } = message.error;
      reject(
        name === 'CliError'
          ? new CliError(text, exitCode)
          : Object.assign(new Error(text), { name, ...(code === undefined ? {} : { code }) }),
      );
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the import stopped (exit code ${code})`));
    });
  });
}

/**
 * How often the import's checkpoint thread copies the WAL into the database. The import's own
 * commits then never run a checkpoint (SQLite's automatic one, every 1,000 pages, with two
 * fsyncs, inside a chunk's commit): on 100,000 rows, 3-15 % faster in alternating runs.
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
): Promise<ImportSummary> {
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
          mapping: job.mapping,
          dryRun: job.dryRun,
          reportPath: job.reportPath,
          actor: cliActor('import'),
          defaultIssuer,
          now: nowSeconds,
          onProgress,
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
