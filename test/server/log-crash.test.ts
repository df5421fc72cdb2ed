/**
 * kill -9 during a burst of issuing, then a restart: the registry and the log agree exactly
 * (every certificate is the leaf at its index, no leaf without a certificate), every answer
 * the clients received before the crash is in both, and the checkpoint after the restart is
 * consistent with the one published before the crash.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { equalBytes } from '../../shared/bytes.ts';
import { parseCheckpointText } from '../../shared/tlog/checkpoint.ts';
import { proveConsistency, type TileFetch } from '../../shared/tlog/client.ts';
import { certificateLeaf } from '../../shared/tlog/entry.ts';
import { parseNote } from '../../shared/tlog/note.ts';
import { startServiceProcess, watchBody, type ServiceProcess } from '../helpers/service.ts';
import { testDbLocation } from '../helpers/db.ts';
import { until } from '../helpers/until.ts';

describe('the log across a crash', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hallmark-logcrash-'));
  const env = {
    HALLMARK_DB: testDbLocation(join(dir, 'data'), 'hallmark.db'),
    HALLMARK_KEY_PASSPHRASE: '',
  };
  let svc: ServiceProcess | undefined;
  afterAll(async () => {
    await svc?.stop();
  });

  it('kill -9 mid-burst, restart: registry and log agree, and the log only grew', async () => {
    svc = await startServiceProcess(env, dir);
    const token = svc.adminToken!;
    const url = svc.url;
    const issue = (serial: string) =>
      fetch(`${url}/api/v1/certificates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(watchBody({ serial })),
      });
    for (let i = 0; i < 20; i++)
      expect((await issue(`PRE${String(i).padStart(5, '0')}`)).status).toBe(201);
    const checkpointNote = async (base: string) => {
      await new Promise((r) => setTimeout(r, 100));
      return (await fetch(`${base}/log/checkpoint`)).text();
    };
    let before = await checkpointNote(url);
    for (let t = Date.now(); Number(before.split('\n')[1]) < 23 && Date.now() - t < 10_000;)
      before = await checkpointNote(url);
    expect(Number(before.split('\n')[1])).toBe(23);

    // Eight clients issue as fast as they can; the service is killed under them.
    const answered: { serial: string; logIndex: number }[] = [];
    let stop = false;
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        const serial = `BURST${c}X${String(i).padStart(6, '0')}`;
        try {
          const res = await issue(serial);
          if (res.status === 201)
            answered.push({
              serial,
              logIndex: ((await res.json()) as { logIndex: number }).logIndex,
            });
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    // Killed once the burst is well under way, however slow the machine: a fixed wait of
    // 1.5 s saw only 46 answers on a loaded CI machine.
    await until(() => answered.length >= 60);
    svc.child.kill('SIGKILL');
    await svc.exited;
    stop = true;
    await Promise.all(clients);
    expect(answered.length).toBeGreaterThan(50);

    svc = await startServiceProcess(env, dir);
    const db = openDatabase(env.HALLMARK_DB, { readonly: true });
    const rows = db
      .prepare('SELECT id, serial, log_index, jws FROM certificates ORDER BY log_index')
      .all() as { id: number; serial: string; log_index: number | null; jws: string }[];
    const entries = db
      .prepare('SELECT idx, leaf, certificate_id FROM log_entries ORDER BY idx')
      .all() as { idx: number; leaf: Buffer; certificate_id: number }[];
    db.close();
    expect(rows.every((r) => r.log_index !== null)).toBe(true);
    expect(entries.length).toBe(rows.length);
    rows.forEach((r, i) => {
      expect(r.log_index).toBe(i);
      expect(entries[i]!.idx).toBe(i);
      expect(entries[i]!.certificate_id).toBe(r.id);
      expect(equalBytes(entries[i]!.leaf, certificateLeaf(r.jws))).toBe(true);
    });
    const bySerial = new Map(rows.map((r) => [r.serial, r.log_index]));
    for (const a of answered) expect(bySerial.get(a.serial)).toBe(a.logIndex);

    // The restarted service publishes a checkpoint of everything, consistent with the old one.
    let after = await checkpointNote(svc.url);
    for (let t = Date.now(); Number(after.split('\n')[1]) < rows.length && Date.now() - t < 10_000;)
      after = await checkpointNote(svc.url);
    const fetchTile: TileFetch = async (path) =>
      new Uint8Array(await (await fetch(`${svc!.url}/log/${path}`)).arrayBuffer());
    const older = parseCheckpointText(parseNote(before).text);
    const newer = parseCheckpointText(parseNote(after).text);
    expect(newer.size).toBe(rows.length);
    await proveConsistency(fetchTile, older, newer);
  });
});
