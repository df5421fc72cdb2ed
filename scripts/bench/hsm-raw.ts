/**
 * The raw signing rate of a PKCS#11 token with `sessions` sessions at once, each in its own
 * thread (as the importer's signers hold them): the reference that an import through the token
 * is compared with.
 */
import { rmSync } from 'node:fs';
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

/**
 * The rates of a throwaway SoftHSM2 token (one session, and `sessions` at once), or undefined
 * when softhsm2 is not installed. For the benchmarks that print the token's rate next to
 * native signing.
 */
export async function softHsmRates(
  sessions: number,
): Promise<{ one: number; many: number } | undefined> {
  const { createSoftHsm, SOFTHSM_MODULE, TOKEN_LABEL, TOKEN_PIN } =
    await import('../../test/helpers/softhsm.ts');
  if (!SOFTHSM_MODULE) return undefined;
  const hsm = createSoftHsm();
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = hsm.env.SOFTHSM2_CONF;
  try {
    const { closeToken, generateKey, openToken } =
      await import('../../server/keys/pkcs11-core.mjs');
    const config = { module: SOFTHSM_MODULE, token: TOKEN_LABEL, pin: TOKEN_PIN };
    const token = openToken(config);
    generateKey(token, 'bench', new TextEncoder().encode('bench'));
    closeToken(token);
    return {
      one: await hsmRawRate(config, 'bench', 1),
      many: await hsmRawRate(config, 'bench', sessions),
    };
  } finally {
    if (previous === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previous;
    rmSync(hsm.dir, { recursive: true, force: true });
  }
}
