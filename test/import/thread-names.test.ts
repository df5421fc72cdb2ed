/**
 * The import's worker threads carry names the operating system shows (`top -H`, `ps -L`,
 * /proc): the signers, the file reader. bench:import reads them to say where the CPU goes.
 * Linux only: elsewhere naming a thread does nothing, which the last test holds to.
 */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { startRowReader } from '../../server/import/row-reader.ts';
import { SignerPool } from '../../server/import/signer-pool.ts';
import { generateSigningKey } from '../../server/keys/signing-key.ts';
import { nameThisThread } from '../../server/thread-name.mjs';
import { linux, threadNames } from '../helpers/threads.ts';

/** Names a new worker thread `name` and returns what /proc then calls it. */
async function namedWorker(name: string): Promise<string> {
  const module = new URL('../../server/thread-name.mjs', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const { readFileSync } = require('node:fs');
     import(${JSON.stringify(module)}).then(({ nameThisThread }) => {
       nameThisThread(${JSON.stringify(name)});
       parentPort.postMessage(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]);
       parentPort.once('message', () => process.exit(0));
     });`,
    { eval: true },
  );
  try {
    const tid = await new Promise<string>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
  } finally {
    worker.postMessage('done');
    await worker.terminate();
  }
}

describe.skipIf(!linux)('thread names', () => {
  it('names the calling worker thread, as Linux keeps it (15 bytes)', async () => {
    expect(await namedWorker('hm-test')).toBe('hm-test');
    expect(await namedWorker('hallmark-a-very-long-name')).toBe('hallmark-a-very');
  });

  it('names the import signers while they sign', async () => {
    const pool = new SignerPool(2);
    try {
      // Enough inputs that both threads get a share (a small batch goes to one thread whole).
      const inputs = Array.from({ length: 200 }, (_, i) => `input-${i}`);
      expect(await pool.sign(generateSigningKey(), inputs)).toHaveLength(200);
      expect(threadNames().filter((n) => n === 'hm-sign')).toHaveLength(2);
    } finally {
      await pool.close();
    }
    expect(threadNames()).not.toContain('hm-sign');
  });

  it("names the import's file reader while it reads", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hallmark-threads-')), 'rows.csv');
    writeFileSync(file, 'serial,model\nA1,One\nA2,Two\n');
    const seen: string[][] = [];
    const rows = [];
    for await (const batch of startRowReader(file, {
      format: 'csv',
      encoding: 'utf-8',
    }).batches()) {
      seen.push(threadNames());
      rows.push(...batch);
    }
    expect(rows).toHaveLength(2);
    expect(seen[0]).toContain('hm-read');
  });
});

describe.skipIf(linux)('thread names elsewhere', () => {
  it('does nothing and does not throw', () => {
    expect(() => nameThisThread('hm-test')).not.toThrow();
  });
});
