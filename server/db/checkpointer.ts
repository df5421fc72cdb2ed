/** Background WAL checkpoints for a service database (see checkpoint-worker.mjs). */
import { Worker } from 'node:worker_threads';
import type { Db } from './database.ts';

/** Where a failed checkpoint is told: the service's logger, or the command line's stderr. */
export interface CheckpointLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Turns off automatic checkpoints on `db` (they would run inside a request's commit) and
 * checkpoints every `intervalMs` from a worker thread instead.
 */
export function startCheckpointer(
  db: Db,
  path: string,
  logger: CheckpointLogger,
  intervalMs = 1000,
): Checkpointer {
  db.pragma('wal_autocheckpoint = 0');
  // Keep a WAL that was grown by a burst from staying large on disk after a checkpoint.
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  const worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), {
    workerData: { path, intervalMs },
  });
  worker.on(
    'message',
    (m: { error?: string }) => m.error && logger.warn({ error: m.error }, 'WAL checkpoint failed'),
  );
  let exited = false;
  let stopping = false;
  worker.on('error', (error) => logger.error({ err: error }, 'checkpoint worker died'));
  worker.once('exit', () => {
    exited = true;
    // Gone before it was stopped: this connection checkpoints by itself again, in its commits,
    // rather than let the WAL grow without bound.
    if (!stopping && db.open) db.pragma('wal_autocheckpoint = 1000');
  });
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (exited) return resolve();
        // Hold the process open until the final checkpoint is written and the worker is gone.
        worker.ref();
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
