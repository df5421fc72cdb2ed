/**
 * The raw signing rate of a PKCS#11 token with `sessions` sessions at once, each in its own
 * thread (as the importer's signers hold them): the reference that an import through the token
 * is compared with.
 */
import { Worker } from 'node:worker_threads';

export interface TokenConfig {
  module: string;
  token: string;
  pin: string;
}

/** Signatures per second summed over `sessions` threads signing together for `ms`. */
export async function hsmRawRate(
  config: TokenConfig,
  label: string,
  sessions: number,
  ms = 1500,
): Promise<number> {
  const workers = Array.from(
    { length: sessions },
    () =>
      new Worker(new URL('./hsm-raw-worker.mjs', import.meta.url), {
        workerData: { config, label, ms },
      }),
  );
  const next = (w: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  await Promise.all(workers.map(next));
  const rates = workers.map(next);
  for (const w of workers) w.postMessage('go');
  const total = (await Promise.all(rates)).reduce<number>((a, r) => a + Number(r), 0);
  await Promise.all(workers.map((w) => w.terminate()));
  return total;
}
