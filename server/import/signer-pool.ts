/**
 * A pool of worker threads that sign JWS signing inputs in parallel with the main thread
 * (which reads, validates and writes the registry: one writer). Keys reach a worker once,
 * the first time that worker signs with them (an import may sign for several brands).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { WORKER_HEAP } from './worker-heap.ts';
import type { Pkcs11Config } from '../keys/pkcs11-core.mjs';
import { Pkcs11Failure } from '../keys/pkcs11-failure.mjs';
import type { SigningKey } from '../keys/signing-key.ts';
import { textToBase64url, toBase64url } from '../../shared/bytes.ts';
import { certificateLeafOf } from '../log/certificate-leaf.mjs';

/** Below this many inputs, a batch goes to one worker whole (messages cost more than they save). */
const MIN_SHARE = 64;

/** Signing threads of an import: one per core, at most 4. */
export const DEFAULT_SIGNERS = Math.max(1, Math.min(4, availableParallelism()));

/** A batch's answer from a worker: its signatures, and for payload batches the JWS and leaves. */
interface Answer {
  signatures: Uint8Array;
  jws?: string[];
  leaves?: Uint8Array;
}

/** Compact JWS signed by the pool, in order, each with its signature and issuance-log leaf. */
export interface SignedJws {
  jws: string[];
  signatures: Uint8Array[];
  leaves: Uint8Array[];
}

export class SignerPool {
  private readonly workers: Worker[];
  // Which kids each worker has been given.
  private readonly given: Set<string>[];
  private next = 0;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (a: Answer) => void; reject: (e: unknown) => void }
  >();
  private failure: Error | undefined;
  private closing = false;

  constructor(
    size = DEFAULT_SIGNERS,
    /** The PKCS#11 token, for keys that live there: each worker opens its own session. */
    private pkcs11?: Pkcs11Config,
  ) {
    this.given = Array.from({ length: size }, () => new Set<string>());
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL('./sign-worker.mjs', import.meta.url), {
        resourceLimits: WORKER_HEAP,
      });
      worker.on('message', (m: Partial<Answer> & { id: number; error?: string }) => {
        const job = this.pending.get(m.id);
        if (!job) return;
        this.pending.delete(m.id);
        if (m.error !== undefined || !m.signatures)
          return job.reject(new Pkcs11Failure(m.error ?? 'the signer failed', 'SIGNER'));
        job.resolve(m as Answer);
      });
      // A thread that fails or stops fails the pool: what it had and what would go to it are
      // refused, never left waiting for an answer that cannot come.
      worker.on('error', (error) => this.fail(error));
      worker.once('exit', (code) => {
        if (!this.closing)
          this.fail(
            new Error(`a signing thread stopped (exit code ${code}): nothing more is signed`),
          );
      });
      return worker;
    });
  }

  /**
   * The PKCS#11 token of the keys that live there, for a pool started before the registry
   * that configures it was opened. Workers already given a token key keep their session.
   */
  useToken(config: Pkcs11Config | undefined): void {
    this.pkcs11 = config;
  }

  /**
   * Signs ASCII signing inputs (JWS signing inputs are base64url) with `key`, in order. A
   * large batch is shared among the workers, so that one chunk keeps every core busy.
   */
  async sign(key: SigningKey, inputs: string[]): Promise<Uint8Array[]> {
    const answers = await this.share(inputs, (part) => ({ inputs: part }), key);
    return answers.flatMap((a) => split(a.signatures, 64, a.signatures.length / 64));
  }

  /**
   * Signs JWS payloads (canonical JSON texts) under the encoded protected `header` with `key`:
   * the compact JWS of each, its signature and its issuance-log leaf, in order. With a native
   * key the workers build all of it, off the caller's thread. With a key in a PKCS#11 token the
   * token is the bottleneck, so its threads only sign, and this thread builds the rest.
   */
  async signJws(key: SigningKey, header: string, payloads: string[]): Promise<SignedJws> {
    if (key.pkcs11Label !== undefined) {
      const inputs = payloads.map((json) => `${header}.${textToBase64url(json)}`);
      const signatures = await this.sign(key, inputs);
      const jws = inputs.map((input, i) => `${input}.${toBase64url(signatures[i]!)}`);
      return { jws, signatures, leaves: jws.map(certificateLeafOf) };
    }
    const answers = await this.share(payloads, (part) => ({ header, payloads: part }), key);
    const out: SignedJws = { jws: [], signatures: [], leaves: [] };
    for (const a of answers) {
      const count = a.signatures.length / 64;
      out.jws.push(...a.jws!);
      out.signatures.push(...split(a.signatures, 64, count));
      // As Buffers (views, no copies): the database binds them as blobs.
      const leaves = a.leaves!;
      for (let i = 0; i < count; i++)
        out.leaves.push(Buffer.from(leaves.buffer, leaves.byteOffset + i * 32, 32));
    }
    return out;
  }

  /** Shares `items` among the workers (whole below MIN_SHARE), in order; one answer per part. */
  private share(
    items: string[],
    body: (part: string[]) => Record<string, unknown>,
    key: SigningKey,
  ): Promise<Answer[]> {
    const size = Math.max(MIN_SHARE, Math.ceil(items.length / this.workers.length));
    const parts: Promise<Answer>[] = [];
    for (let at = 0; at < items.length; at += size)
      parts.push(
        this.signOn(this.next++ % this.workers.length, key, body(items.slice(at, at + size))),
      );
    return Promise.all(parts);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }

  private signOn(n: number, key: SigningKey, body: Record<string, unknown>): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
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
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, kid: key.kid, ...body });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** `count` views of `width` bytes each into `bytes`. */
function split(bytes: Uint8Array, width: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * width, i * width + width));
}
