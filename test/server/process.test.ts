/**
 * The real service process, as a new user runs it from the README: `hallmark serve` (what
 * `npm start` runs) on a fresh folder, tokens from the CLI, issuing with one HTTP call,
 * revocation, online backup during a burst, checked restore, graceful shutdown, and no
 * private key bytes in any output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySetFromJwks } from '../../shared/keys.ts';
import { verify } from '../../shared/verify.ts';
import { checkCopy } from '../../server/db/backup.ts';
import { openDatabase } from '../../server/db/database.ts';
import { createRegistry } from '../../server/registry/registry.ts';
import { HALLMARK, hallmark } from '../helpers/cli.ts';
import { startServiceProcess, watchBody, type ServiceProcess } from '../helpers/service.ts';
import { until } from '../helpers/until.ts';

describe(
  'the service process on a fresh folder with nothing configured',
  { timeout: 120_000 },
  () => {
    let dir: string;
    let env: Record<string, string>;
    let svc: ServiceProcess;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hallmark-proc-'));
      env = { HALLMARK_DB: join(dir, 'data', 'hallmark.db'), HALLMARK_KEY_PASSPHRASE: '' };
      svc = await startServiceProcess(env, dir);
    });
    afterAll(async () => {
      await svc.stop();
      if (svc.stderr()) console.error(svc.stderr());
    });

    const api = (path: string, init: RequestInit & { token?: string } = {}) =>
      fetch(`${svc.url}${path}`, {
        ...init,
        headers: {
          'content-type': 'application/json',
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        },
      });

    it('warns loudly about the development key, prints the admin token once and sample links that verify', async () => {
      expect(svc.stdout()).toContain('DEVELOPMENT KEY — FOR DEVELOPMENT ONLY');
      expect(svc.adminToken).toMatch(/^hmk_/);
      const links = [...svc.stdout().matchAll(/(http:\/\/localhost:\d+\/#\d+)/g)].map((m) => m[1]!);
      expect(links).toHaveLength(3);
      const keys = keySetFromJwks(await (await api('/.well-known/jwks.json')).json());
      for (const link of links)
        expect(verify(link, keys, { now: new Date() })).toMatchObject({ ok: true });
    });

    it('tokens from the CLI: create prints the token alone; it issues with one call; revoke stops it at once', async () => {
      const created = hallmark(['tokens', 'create', '--scope', 'issue', '--label', 'erp'], {
        cwd: dir,
        env,
      });
      expect(created.status, created.stderr).toBe(0);
      const token = created.stdout.trim();
      expect(created.stdout).toMatch(/^hmk_[A-Za-z0-9_-]+\n$/);
      expect(created.stderr).toMatch(/created token .* "erp" with scopes issue/);

      const res = await api('/api/v1/certificates', {
        method: 'POST',
        token,
        body: JSON.stringify(watchBody({ serial: 'PROC0001' })),
      });
      expect(res.status).toBe(201);

      expect(hallmark(['tokens', 'revoke', token], { cwd: dir, env }).status).toBe(0);
      const after = await api('/api/v1/certificates', {
        method: 'POST',
        token,
        body: JSON.stringify(watchBody({ serial: 'PROC0002' })),
      });
      expect(after.status).toBe(401);
      expect(hallmark(['tokens', 'list'], { cwd: dir, env }).stdout).toMatch(
        /erp\s+issue\s+DEMO\s+revoked/,
      );
    });

    it('backup taken during a burst of issuing restores to a registry where every certificate verifies', async () => {
      const token = hallmark(['tokens', 'create', '--scope', 'issue', '--label', 'burst'], {
        cwd: dir,
        env,
      }).stdout.trim();
      let issued = 0;
      let stop = false;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const r = await api('/api/v1/certificates', {
            method: 'POST',
            token,
            body: JSON.stringify(watchBody({ serial: `BURST${w}X${i}` })),
          });
          if (r.status === 201) issued++;
        }
      };
      const workers = Array.from({ length: 8 }, (_, w) => worker(w));
      // Counted, not timed: the backup starts once issuing is well under way.
      await until(() => issued >= 20);
      const backupFile = join(dir, 'backup.db');
      const backup = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, [HALLMARK, 'backup', backupFile], {
          cwd: dir,
          env: { ...process.env, ...env },
        });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => resolve({ code, err }));
      });
      const issuedAtBackup = issued;
      await until(() => issued >= issuedAtBackup + 10);
      stop = true;
      await Promise.all(workers);
      expect(backup.code, backup.err).toBe(0);
      expect(issued).toBeGreaterThan(issuedAtBackup); // issuing went on around the backup

      const report = checkCopy(backupFile);
      expect(report.problems).toEqual([]);
      expect(report.certificates).toBeGreaterThan(3);

      const restoredDb = join(dir, 'restored', 'hallmark.db');
      const restore = hallmark(['restore', backupFile], {
        cwd: dir,
        env: { ...env, HALLMARK_DB: restoredDb },
      });
      expect(restore.status, restore.stderr).toBe(0);
      expect(restore.stderr).toMatch(new RegExp(`${report.certificates} certificates verified`));
      const db = openDatabase(restoredDb);
      const registry = createRegistry(db, {
        passphrase: 'unused here',
        legacyBrand: 'DEMO',
        now: () => 0,
      });
      const keys = registry.keys.trustedKeys();
      let n = 0;
      for (const record of registry.certificates.all()) {
        expect(verify(record.certificate.jws, keys, { now: new Date() }).ok).toBe(true);
        n++;
      }
      expect(n).toBe(report.certificates);
      db.close();
      // Restoring over an existing registry needs --force; a damaged copy is refused.
      expect(
        hallmark(['restore', backupFile], { cwd: dir, env: { ...env, HALLMARK_DB: restoredDb } })
          .stderr,
      ).toMatch(/--force/);
    });

    it('a tampered backup is refused with the certificate named', () => {
      const copy = join(dir, 'tampered.db');
      expect(hallmark(['backup', copy], { cwd: dir, env }).status).toBe(0);
      const db = openDatabase(copy);
      // Whoever edits the file can drop the database's own guard first.
      db.exec('DROP TRIGGER certificates_immutable');
      db.prepare(
        "UPDATE certificates SET jws = replace(jws, substr(jws, -10, 5), 'AAAAA') WHERE serial = 'PROC0001'",
      ).run();
      db.close();
      const res = hallmark(['restore', copy, '--check-only'], { cwd: dir, env });
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/\(PROC0001\): SIGNATURE_INVALID/);
    });

    it('the private key never appears in output, logs or responses', async () => {
      const passphrase = readFileSync(join(dir, 'data', 'dev-key-passphrase'), 'utf8').trim();
      const db = openDatabase(env.HALLMARK_DB!);
      const seed = Buffer.from(
        createRegistry(db, { passphrase, legacyBrand: 'DEMO', now: () => 0 })
          .keys.active('DEMO')
          .exportSeed(),
      );
      db.close();
      const everything = [
        svc.stdout(),
        svc.stderr(),
        await (await api('/.well-known/jwks.json')).text(),
      ].join('\n');
      for (const form of [
        seed.toString('hex'),
        seed.toString('base64url'),
        seed.toString('base64'),
      ])
        expect(everything).not.toContain(form);
    });

    it('shuts down gracefully on SIGTERM: an in-flight request completes, then the process exits 0', async () => {
      const token = hallmark(['tokens', 'create', '--scope', 'issue', '--label', 'slow'], {
        cwd: dir,
        env,
      }).stdout.trim();
      const body = JSON.stringify(watchBody({ serial: 'SLOW0001' }));
      const response = new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${svc.url}/api/v1/certificates`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            // The server's "100 Continue" proves it holds the request before we stop it.
            expect: '100-continue',
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.on('continue', () => {
          req.write(body.slice(0, 20)); // the request is in flight, its body half sent
          svc.child.kill('SIGTERM');
          // The rest of the body once the service says it is shutting down (events, not sleeps).
          const waitForShutdown = () =>
            svc.stdout().includes('shutting down')
              ? req.end(body.slice(20))
              : setImmediate(waitForShutdown);
          waitForShutdown();
        });
        req.flushHeaders();
      });
      expect(await response).toBe(201);
      expect(await svc.exited).toBe(0);
      expect(svc.stdout()).toContain('"msg":"stopped"');
    });
  },
);
