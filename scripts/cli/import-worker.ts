/** The import's worker thread (see import-job.ts): runs the job, reports progress and result. */
import { parentPort, workerData } from 'node:worker_threads';
import { CliError } from './io.ts';
import type { ImportJob, JobMessage } from './import-job.ts';
import { runImportJob } from './import-run.ts';
import { nameThisThread } from '../../server/thread-name.mjs';

nameThisThread('hm-import');

const post = (message: JobMessage) => parentPort!.postMessage(message);

try {
  post({
    summary: await runImportJob(workerData as ImportJob, (progress) => post({ progress })),
  });
} catch (error) {
  const e = error as Error & { code?: unknown };
  post({
    error: {
      name: e instanceof CliError ? 'CliError' : e.name,
      message: e.message,
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      ...(e instanceof CliError ? { exitCode: e.exitCode } : {}),
    },
  });
}
