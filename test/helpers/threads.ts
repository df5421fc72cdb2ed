/** This process's threads as Linux names them (/proc), for tests of the import's threads. */
import { readdirSync, readFileSync } from 'node:fs';

export const linux = process.platform === 'linux';

/** The names of this process's threads, one entry per thread (Linux only). */
export const threadNames = (): string[] =>
  readdirSync('/proc/self/task').map((tid) =>
    readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
  );
