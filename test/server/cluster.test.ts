/** HALLMARK_WORKERS=2: two processes on one registry still issue one certificate per serial. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { hallmark } from '../helpers/cli.ts';
import { PASSPHRASE, startServiceProcess, watchBody } from '../helpers/service.ts';
import { testDbLocation } from '../helpers/db.ts';

describe('two worker processes', () => {
  it('64 concurrent requests for one serial across both processes → exactly one certificate; SIGTERM stops all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-cluster-'));
    const env = {
      HALLMARK_DB: testDbLocation(dir, 'h.db'),
      HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
      HALLMARK_WORKERS: '2',
    };
    const svc = await startServiceProcess(env, dir);
    try {
      expect(svc.stdout()).toContain('"workers":2');
      const token = hallmark(['tokens', 'create', '--scope', 'issue', '--label', 'erp'], {
        cwd: dir,
        env,
      }).stdout.trim();
      const results = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          fetch(`${svc.url}/api/v1/certificates`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              connection: i % 2 ? 'keep-alive' : 'close',
            },
            body: JSON.stringify(watchBody({ serial: 'CLUSTER01' })),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as { jws?: string } })),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 200)).toHaveLength(63);
      expect(new Set(results.map((r) => r.body.jws)).size).toBe(1);
    } finally {
      expect(await svc.stop()).toBe(0);
    }
    const db = openDatabase(env.HALLMARK_DB);
    expect(
      (
        db.prepare("SELECT count(*) AS n FROM certificates WHERE serial = 'CLUSTER01'").get() as {
          n: number;
        }
      ).n,
    ).toBe(1);
    db.close();
  });
});
