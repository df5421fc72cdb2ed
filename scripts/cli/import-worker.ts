/** The import's worker thread (see import-job.ts): runs the job, reports progress and result. */
import { parentPort, workerData } from 'node:worker_threads';
import { startRowReader } from '../../server/import/row-reader.ts';
import { SignerPool } from '../../server/import/signer-pool.ts';
import { nameThisThread } from '../../server/thread-name.mjs';
import type { ImportJob, JobMessage } from './import-job.ts';

nameThisThread('hm-import');

const post = (message: JobMessage) => parentPort!.postMessage(message);
const job = workerData as ImportJob;

// The file's reader and the signing threads start first, from modules that load nothing of the
// registry: their threads boot and the first rows are parsed while this one loads the
// registry's modules (about 0.3 s), instead of after.
const ahead = {
  reader: startRowReader(job.file, {
    format: job.format,
    encoding: job.encoding,
    ...(job.delimiter === undefined ? {} : { delimiter: job.delimiter }),
    ...(job.sheet === undefined ? {} : { sheet: job.sheet }),
  }),
  signers: job.dryRun ? undefined : new SignerPool(),
};

// The signing key's scrypt, started before this thread loads the registry (about 0.3 s).
if (!job.dryRun)
  await import('./import-key-warm.ts').then(
    ({ warmImportKey }) => warmImportKey(job.issuer),
    () => undefined,
  );

try {
  const { runImportJob } = await import('./import-run.ts');
  post({ summary: await runImportJob(job, (progress) => post({ progress }), ahead) });
} catch (error) {
  const { CliError } = await import('./io.ts');
  const e = error as Error & { code?: unknown };
  post({
    error: {
      name: e instanceof CliError ? 'CliError' : e.name,
      message: e.message,
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      ...(e instanceof CliError ? { exitCode: e.exitCode } : {}),
    },
  });
} finally {
  // Closed by the import when it ran; not when the job failed before it (a wrong mapping).
  await Promise.all([ahead.reader.close(), ahead.signers?.close()]);
}
