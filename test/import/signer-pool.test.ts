/**
 * The import's signing threads: signatures that verify with another implementation, and a
 * thread that dies fails the pool at once (the import then stops with the reason), instead
 * of leaving a batch waiting forever for an answer that cannot come.
 */
import { verify as nodeVerify, createPublicKey } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SignerPool } from '../../server/import/signer-pool.ts';
import { generateSigningKey } from '../../server/keys/signing-key.ts';
import { publicJwk } from '../../shared/keys.ts';

const inputs = (n: number) => Array.from({ length: n }, (_, i) => `signing-input-${i}`);
const threadsOf = (pool: SignerPool) => (pool as unknown as { workers: Worker[] }).workers;

describe('the signer pool', () => {
  it('signs in order, shared among its threads; Node verifies every signature', async () => {
    const pool = new SignerPool(2);
    try {
      const key = generateSigningKey();
      const publicKey = createPublicKey({ key: { ...publicJwk(key.publicKey) }, format: 'jwk' });
      const signed = await pool.sign(key, inputs(300));
      expect(signed).toHaveLength(300);
      signed.forEach((signature, i) =>
        expect(nodeVerify(null, Buffer.from(`signing-input-${i}`), publicKey, signature)).toBe(
          true,
        ),
      );
    } finally {
      await pool.close();
    }
  });

  it('a thread that stopped fails the pool: batches are refused at once, with the reason', async () => {
    const pool = new SignerPool(2);
    try {
      await threadsOf(pool)[0]!.terminate();
      const outcome = await Promise.race([
        pool.sign(generateSigningKey(), inputs(300)).then(
          () => 'signed',
          (error: Error) => error.message,
        ),
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5000)),
      ]);
      expect(outcome).toMatch(/a signing thread stopped \(exit code \d+\)/);
      // Every later batch too, even one the living thread alone would take.
      await expect(pool.sign(generateSigningKey(), inputs(3))).rejects.toThrow(
        'a signing thread stopped',
      );
    } finally {
      await pool.close();
    }
  });
});
