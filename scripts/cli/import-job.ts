/**
 * `hallmark import` runs in a worker thread whose heap is capped, so that the import's memory
 * stays within its budget (256 MB, flat in the file's size) whatever V8's heuristics would
 * let the main thread's heap grow to. This thread shows progress and the result; failures
 * come back with their kind (a CLI message, a wrong passphrase, a token failure) and print as
 * they would in-process. It loads nothing of the registry (the worker does, in import-run.ts):
 * the worker starts as soon as the command line is read.
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { ImportOptions, ImportProgress, ImportSummary } from '../../server/import/importer.ts';
import { CliError } from './io.ts';

/**
 * What the command line asked for: the import's own options, the brand, and the mapping by
 * name or file (the worker loads and checks it, and the brand code, with the registry's rules).
 */
export type ImportJob = Pick<
  ImportOptions,
  'file' | 'format' | 'encoding' | 'delimiter' | 'sheet' | 'dryRun' | 'reportPath'
> & { mapping: string; issuer?: string };

/**
 * The import thread's heap: its live data is a few chunks (about 20 MB). Uncapped, V8 let
 * garbage pile up to 140 MB on a million rows (300 MB peak RSS); capped here, peak RSS stays
 * near 230 MB. A tighter cap (64 MB) makes garbage collection cost a third of the speed.
 */
const IMPORT_HEAP = { maxOldGenerationSizeMb: 112, maxYoungGenerationSizeMb: 48 };

/**
 * The old generation a new heap may fill before its first full collection (MB). The import
 * thread promotes the rows of the chunks in flight: from V8's small default it ran a full
 * collection every ~0.4 s (12 on 100k rows), from 64 MB half as many, for +3.5% rows/s and
 * 4% less CPU in 6 alternating runs, 12-14 MB more peak RSS. Worker heaps are sized when their
 * thread starts, so the flag is set before; the other threads' heaps are capped lower anyway.
 */
const INITIAL_OLD_SPACE_MB = 64;

export type JobMessage =
  | { progress: ImportProgress }
  | { summary: ImportSummary }
  | { error: { name: string; message: string; code?: string; exitCode?: number } };

export function importInWorker(
  job: ImportJob,
  onProgress: (p: ImportProgress) => void,
): Promise<ImportSummary> {
  setFlagsFromString(`--initial-old-space-size=${INITIAL_OLD_SPACE_MB}`);
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
