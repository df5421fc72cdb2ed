/**
 * Two processes writing one registry for real: the running service (HTTP) issues a file's
 * serials from the end while `hallmark import` issues the same file from the start. They meet
 * in the middle; every serial ends with exactly one certificate and one audit event, and both
 * sides issued some (so the race did happen). SQLite's locks and the per-serial uniqueness
 * are what is tested, across processes, not a queue inside one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { HALLMARK, hallmark } from '../helpers/cli.ts';
import { PASSPHRASE, startServiceProcess, watchBody } from '../helpers/service.ts';
import { testDbLocation } from '../helpers/db.ts';

const ROWS = 3000;

describe('the service and the importer on one registry', () => {
  it(`${ROWS} serials from both ends at once: one certificate each, both sides issued`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-xproc-'));
    const env = {
      HALLMARK_DB: testDbLocation(dir, 'h.db'),
      HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
      HALLMARK_ISSUER: 'HUB',
      HALLMARK_SAMPLE_DATA: 'false',
    };
    expect(
      hallmark(['brands', 'add', '--code', 'HUB', '--name', 'Hublot'], { cwd: dir, env }).status,
    ).toBe(0);
    const token = hallmark(['tokens', 'create', '--scope', 'issue', '--label', 'race'], {
      cwd: dir,
      env,
    }).stdout.trim();
    const serial = (i: number) => `XP${String(i).padStart(8, '0')}`;
    const lines = ['serial,reference,model,caseMaterial,calibre,manufacturedOn'];
    for (let i = 0; i < ROWS; i++)
      lines.push(`${serial(i)},441.NX.1170.RX,Big Bang Unico 42 mm,King Gold,HUB1280,2026-03-02`);
    writeFileSync(join(dir, 'export.csv'), `${lines.join('\n')}\n`);
    const svc = await startServiceProcess(env, dir);
    try {
      let importDone = false;
      const imported = new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [HALLMARK, 'import', 'export.csv'], {
          cwd: dir,
          env: { ...process.env, ...env },
        });
        let stdout = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.on('exit', (code) => {
          importDone = true;
          resolve({ code, stdout });
        });
      });
      // HTTP from the last serial backwards, 8 at a time, until the importer is done.
      const statuses: number[] = [];
      let next = ROWS - 1;
      const worker = async () => {
        while (!importDone && next >= 0) {
          const i = next--;
          const res = await fetch(`${svc.url}/api/v1/certificates`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(watchBody({ serial: serial(i) })),
          });
          statuses.push(res.status);
        }
      };
      await Promise.all([...Array.from({ length: 8 }, worker), imported]);
      const result = await imported;
      expect(result.code).toBe(0);
      const m = /(\d+) rows: issued (\d+), already existed (\d+), rejected 0/.exec(result.stdout)!;
      const [importIssued, importExisting] = [Number(m[2]), Number(m[3])];
      const httpIssued = statuses.filter((s) => s === 201).length;
      expect(statuses.every((s) => s === 201 || s === 200)).toBe(true);
      expect(httpIssued).toBeGreaterThan(0);
      expect(importIssued).toBeGreaterThan(0);
      expect(importIssued + httpIssued).toBe(ROWS);
      expect(importIssued + importExisting).toBe(ROWS);
      const db = openDatabase(env.HALLMARK_DB);
      expect(
        db
          .prepare(
            'SELECT count(*) AS n, count(DISTINCT serial) AS serials, count(DISTINCT status_index) AS indexes FROM certificates',
          )
          .get(),
      ).toEqual({ n: ROWS, serials: ROWS, indexes: ROWS });
      expect(
        db
          .prepare(
            "SELECT count(*) AS n, count(DISTINCT serial) AS s FROM events WHERE action = 'certificate.issued'",
          )
          .get(),
      ).toEqual({ n: ROWS, s: ROWS });
      db.close();
    } finally {
      await svc.stop();
    }
  }, 120_000);
});
