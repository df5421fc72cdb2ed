/**
 * A pool of worker threads that sign JWS signing inputs in parallel with the main thread
 * (which reads, validates and writes the registry: one writer). Keys reach a worker once,
 * the first time that worker signs with them (an import may sign for several brands).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { WORKER_HEAP } from './worker-heap.ts';
import { Pkcs11Failure, type Pkcs11Config } from '../keys/pkcs11.ts';
import type { SigningKey } from '../keys/signing-key.ts';

/** Below this many inputs, a batch goes to one worker whole (messages cost more than they save). */
const MIN_SHARE = 64;

/** Signing threads of an import: one per core, at most 4. */
export const DEFAULT_SIGNERS = Math.max(1, Math.min(4, availableParallelism()));

export class SignerPool {
  private readonly workers: Worker[];
  // Which kids each worker has been given.
  private readonly given: Set<string>[];
  private next = 0;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (s: Uint8Array[]) => void; reject: (e: unknown) => void; count: number }
  >();

  constructor(
    size = DEFAULT_SIGNERS,
    /** The PKCS#11 token, for keys that live there: each worker opens its own session. */
    private readonly pkcs11?: Pkcs11Config,
  ) {
    this.given = Array.from({ length: size }, () => new Set<string>());
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL('./sign-worker.mjs', import.meta.url), {
        resourceLimits: WORKER_HEAP,
      });
      worker.on('message', (m: { id: number; signatures?: Uint8Array; error?: string }) => {
        const { id, signatures } = m;
        const job = this.pending.get(id);
        if (!job) return;
        this.pending.delete(id);
        if (m.error !== undefined || !signatures)
          return job.reject(new Pkcs11Failure(m.error ?? 'the signer failed', 'SIGNER'));
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

  /**
   * Signs ASCII signing inputs (JWS signing inputs are base64url) with `key`, in order. A
   * large batch is shared among the workers, so that one chunk keeps every core busy.
   */
  async sign(key: SigningKey, inputs: string[]): Promise<Uint8Array[]> {
    const share = Math.max(MIN_SHARE, Math.ceil(inputs.length / this.workers.length));
    const parts: Promise<Uint8Array[]>[] = [];
    for (let at = 0; at < inputs.length; at += share)
      parts.push(this.signOn(this.next++ % this.workers.length, key, inputs.slice(at, at + share)));
    return (await Promise.all(parts)).flat();
  }

  private signOn(n: number, key: SigningKey, inputs: string[]): Promise<Uint8Array[]> {
    const id = this.seq++;
    const worker = this.workers[n]!;
    if (!this.given[n]!.has(key.kid)) {
      if (key.pkcs11Label !== undefined) {
        if (!this.pkcs11) throw new Error(`key ${key.kid} is in a PKCS#11 token; none configured`);
        worker.postMessage({
          key: { kid: key.kid, pkcs11: { config: this.pkcs11, label: key.pkcs11Label } },
        });
      } else worker.postMessage({ key: { kid: key.kid, seed: key.exportSeed() } });
      this.given[n]!.add(key.kid);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, count: inputs.length });
      worker.postMessage({ id, kid: key.kid, inputs });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
