/**
 * A pool of worker threads that sign JWS signing inputs in parallel with the main thread
 * (which reads, validates and writes the registry: one writer).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SigningKey } from '../keys/signing-key.ts';

export class SignerPool {
  private readonly workers: Worker[];
  private next = 0;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (s: Uint8Array[]) => void; reject: (e: unknown) => void; count: number }
  >();

  constructor(key: SigningKey, size = Math.max(1, Math.min(4, availableParallelism()))) {
    const seed = key.exportSeed();
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL('./sign-worker.mjs', import.meta.url), {
        workerData: { seed },
      });
      worker.on('message', ({ id, signatures }: { id: number; signatures: Uint8Array }) => {
        const job = this.pending.get(id);
        if (!job) return;
        this.pending.delete(id);
        job.resolve(
          Array.from({ length: job.count }, (_, i) => signatures.subarray(i * 64, i * 64 + 64)),
        );
      });
      worker.on('error', (error) => {
        for (const job of this.pending.values()) job.reject(error);
        this.pending.clear();
      });
      return worker;
    });
  }

  /** Signs ASCII signing inputs (JWS signing inputs are base64url), in order. */
  sign(inputs: string[]): Promise<Uint8Array[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    const id = this.seq++;
    const worker = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, count: inputs.length });
      worker.postMessage({ id, inputs });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
