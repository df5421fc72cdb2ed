/**
 * The WAL checkpoint thread, as the service and `hallmark import` run it: an import whose
 * commits leave checkpoints to it ends with every row in the database file; a checkpoint thread
 * that dies leaves its connection checkpointing by itself, and stopping it still returns.
 * SQLite only (PostgreSQL has no WAL file of ours to checkpoint).
 */
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../server/db/checkpointer.ts';
import { openDatabase } from '../../server/db/database.ts';
import { hallmark } from '../helpers/cli.ts';
import { PASSPHRASE } from '../helpers/service.ts';

describe('WAL checkpoints off the writing thread', { timeout: 60_000 }, () => {
  it('hallmark import, checkpointed by its own thread, leaves every row in the database file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-ckpt-'));
    const db = join(dir, 'h.db');
    const env = { HALLMARK_DB: db, HALLMARK_KEY_PASSPHRASE: PASSPHRASE };
    expect(
      hallmark(['brands', 'add', '--code', 'HUB', '--name', 'Hublot'], { cwd: dir, env }).status,
    ).toBe(0);
    const rows = 3000;
    let csv = 'serial,reference,model,caseMaterial,calibre,manufacturedOn\n';
    for (let i = 0; i < rows; i++)
      csv += `CK${String(i).padStart(6, '0')},441.NX.1170.RX,Big Bang,King Gold,HUB1280,2026-03-02\n`;
    writeFileSync(join(dir, 'export.csv'), csv);

    const run = hallmark(['import', 'export.csv', '--issuer', 'HUB'], { cwd: dir, env });
    expect(run.stderr).not.toContain('checkpoint');
    expect(run.stdout).toContain(`${rows} rows: issued ${rows}`);
    // Nothing is left only in the WAL once the import has exited.
    expect(existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0).toBe(0);
    const reader = openDatabase(db, { readonly: true });
    try {
      expect(reader.prepare('SELECT count(*) FROM certificates').pluck().get()).toBe(rows);
      expect(reader.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      reader.close();
    }
  });

  it('a checkpoint thread that dies hands checkpoints back to the connection, and stop() returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-ckpt-'));
    const db = openDatabase(join(dir, 'h.db'));
    try {
      const told: string[] = [];
      const log = (_fields: object, message: string) => void told.push(message);
      // The thread cannot open its own connection (no such file): it fails as it starts.
      const checkpointer = startCheckpointer(db, join(dir, 'missing', 'h.db'), {
        warn: log,
        error: log,
      });
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      await expect.poll(() => told, { timeout: 10_000 }).toContain('checkpoint worker died');
      await expect
        .poll(() => db.pragma('wal_autocheckpoint', { simple: true }), { timeout: 10_000 })
        .toBe(1000);
      await checkpointer.stop();
    } finally {
      db.close();
    }
  });
});
