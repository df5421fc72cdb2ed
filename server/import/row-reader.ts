/**
 * `readRows` in a worker thread: the same records, in the same order, with the header first,
 * while this thread validates, signs and writes. A reading error (a missing file, a parse
 * failure that stops the file) is thrown here with its message and code, as `readRows` would.
 */
import { Worker } from 'node:worker_threads';
import { WORKER_HEAP } from './worker-heap.ts';
import type { ReadOptions, RowRecord } from './read-rows.mjs';

type Message =
  | { header: string[] }
  | { rows: RowRecord[] }
  | { end: true }
  | { error: { message: string; code?: string } };

/** A file reader started ahead of its consumer: its first rows wait for `batches()`. */
export interface RowReader {
  /**
   * The records, once (a second call throws), in the batches the reader sent them in (one
   * await per batch, not per row); `onHeader` is told the header row first.
   */
  batches(onHeader?: (columns: string[]) => void): AsyncGenerator<readonly RowRecord[]>;
  /** Stops the reader's thread (again: nothing). */
  close(): Promise<void>;
}

/**
 * Starts reading `path` in a worker thread now. The thread reads ahead a few batches (its
 * window: memory stays flat), so a caller that has other work first (loading its modules,
 * opening the registry) finds the first rows parsed when it begins.
 */
export function startRowReader(path: string, options: Omit<ReadOptions, 'onHeader'>): RowReader {
  const worker = new Worker(new URL('./read-worker.mjs', import.meta.url), {
    resourceLimits: WORKER_HEAP,
    workerData: { path, ...options },
  });
  const queue: Message[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let closed: Promise<void> | undefined;
  let taken = false;
  const arrived = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (message: Message) => {
    queue.push(message);
    arrived();
  });
  worker.on('error', (error: Error & { code?: string }) => {
    failure =
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? Object.assign(
            new Error(
              `reading ${path} needed more memory than the file reader may use (${WORKER_HEAP.maxOldGenerationSizeMb} MB): export a very large .xlsx workbook as CSV, or split it`,
            ),
            { code: 'HALLMARK_FILE' },
          )
        : error;
    arrived();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the file reader stopped before the end of the file (exit code ${code})`);
    arrived();
  });
  const close = () => (closed ??= worker.terminate().then(() => undefined));
  async function* batches(
    onHeader?: (columns: string[]) => void,
  ): AsyncGenerator<readonly RowRecord[]> {
    if (taken) throw new Error('the rows of a file reader are read once');
    taken = true;
    try {
      for (;;) {
        const message = queue.shift();
        if (!message) {
          if (failure) throw failure;
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        if ('header' in message) onHeader?.(message.header);
        else if ('rows' in message) {
          worker.postMessage('ack');
          yield message.rows;
        } else if ('error' in message) {
          throw Object.assign(new Error(message.error.message), {
            ...(message.error.code === undefined ? {} : { code: message.error.code }),
          });
        } else return;
      }
    } finally {
      await close();
    }
  }
  return { batches, close };
}
