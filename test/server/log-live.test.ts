/**
 * The issuance log, live, with real processes only: `hallmark serve` on a fresh folder, two
 * `hallmark log witness` servers (C2SP tlog-witness), the CLI verifying inclusion with a
 * quorum of two cosignatures, a tlog-proof checked offline, the independent Python verifier
 * recomputing the root from the served tiles and checking every certificate, and the brand's
 * monitor finding a duplicate serial planted by an insider and a serial not in the ERP.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { issueCertificate } from '../../server/issuing/certificate-writer.ts';
import { openLogIdentity, readLogSettings } from '../../server/log/log-service.ts';
import { devPassphraseFile } from '../../server/db/location.ts';
import { createRegistry } from '../../server/registry/registry.ts';
import { checkpointText } from '../../shared/tlog/checkpoint.ts';
import { formatCosignerKey } from '../../shared/tlog/cosignature.ts';
import { b64, parseNote, signNote } from '../../shared/tlog/note.ts';
import { testKey } from '../helpers/fixtures.ts';
import { SAMPLE_WATCHES } from '../../server/issuing/sample-data.ts';
import { HALLMARK, hallmark, REPO } from '../helpers/cli.ts';
import { startServiceProcess, watchBody, type ServiceProcess } from '../helpers/service.ts';
import { testDbLocation } from '../helpers/db.ts';

const WITNESS_PASSPHRASE = 'witness passphrase, long enough';

interface Witness {
  child: ChildProcess;
  vkey: string;
  url: string;
}

async function startWitness(dir: string, name: string, logKey: string): Promise<Witness> {
  const env = { HALLMARK_KEY_PASSPHRASE: WITNESS_PASSPHRASE };
  const file = `${name.replaceAll('/', '_')}.json`;
  expect(
    hallmark(['keys', 'generate', '--out', file, '--jwks', `${file}.jwks`], { cwd: dir, env })
      .status,
  ).toBe(0);
  const child = spawn(
    process.execPath,
    [
      HALLMARK,
      'log',
      'witness',
      '--key',
      file,
      '--name',
      name,
      '--log-key',
      logKey,
      '--state',
      `${file}.state`,
    ],
    { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!/listening on/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`witness: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = /^witness (\S+) listening on (\S+)$/m.exec(out)!;
  return { child, vkey: m[1]!, url: m[2]! };
}

describe('the issuance log, live', { timeout: 180_000 }, () => {
  let dir: string;
  let env: Record<string, string>;
  let svc: ServiceProcess;
  let witnesses: Witness[] = [];
  let logKey: string;
  const links: string[] = [];
  let trustArgs: string[];

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${svc.url}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${svc.adminToken}`,
      },
    });
  /** `hallmark log monitor` against the live log, with the admin token when `withToken`. */
  const monitor = (args: string[], withToken = false) =>
    hallmark(['log', 'monitor', '--log', `${svc.url}/log`, ...trustArgs, ...args], {
      cwd: dir,
      ...(withToken ? { env: { HALLMARK_TOKEN: svc.adminToken! } } : {}),
    });
  const checkpointNote = async () => (await fetch(`${svc.url}/log/checkpoint`)).text();
  const size = (note: string) => Number(note.split('\n')[1]);

  /** Waits until the served checkpoint covers `n` entries and carries `signatures` lines. */
  async function checkpointCovering(n: number, signatures = 1): Promise<string> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const note = await checkpointNote();
      if (size(note) >= n && parseNote(note).signatures.length >= signatures) return note;
      if (Date.now() > deadline) throw new Error(`checkpoint stuck at:\n${note}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hallmark-log-'));
    env = {
      HALLMARK_DB: testDbLocation(join(dir, 'data'), 'hallmark.db'),
      HALLMARK_KEY_PASSPHRASE: '',
    };
    svc = await startServiceProcess(env, dir);
    logKey = (await (await fetch(`${svc.url}/log/vkey`)).text()).trim();
    trustArgs = [
      '--trust-list',
      `${svc.url}/.well-known/hallmark-trust-list.jwt`,
      '--root',
      join(dir, 'data', 'dev-root.jwks.json'),
    ];
    witnesses = [
      await startWitness(dir, 'witness.example/w1', logKey),
      await startWitness(dir, 'witness.example/w2', logKey),
    ];
  });
  afterAll(async () => {
    for (const w of witnesses) w.child.kill('SIGTERM');
    await svc.stop();
    if (svc.stderr()) console.error(svc.stderr());
  });

  it('every issued certificate is answered with its log index, and the QR carries it', async () => {
    for (let i = 0; i < 40; i++) {
      const res = await api('/api/v1/certificates', {
        method: 'POST',
        body: JSON.stringify(watchBody({ serial: `LOG${String(i).padStart(5, '0')}` })),
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { logIndex: number; url: string };
      expect(body.logIndex).toBe(3 + i); // after the three sample certificates
      links.push(body.url);
    }
    const note = await checkpointCovering(43);
    expect(note.split('\n')[0]).toBe(`localhost:${svc.port}/log`);
  });

  it('with two witnesses and a quorum of two, checkpoints are cosigned and the CLI proves inclusion', async () => {
    const set = hallmark(
      [
        'log',
        'witnesses',
        ...witnesses.flatMap((w) => ['--witness', `${w.vkey}@${w.url}`]),
        '--quorum',
        '2',
      ],
      { cwd: dir, env },
    );
    expect(set.status, set.stderr).toBe(0);
    // The development registry re-signs its trust list: it now names both witnesses.
    expect(set.stderr).toMatch(/signed trust list #\d+ with the DEVELOPMENT root key/);
    const more = await api('/api/v1/certificates', {
      method: 'POST',
      body: JSON.stringify(watchBody({ serial: 'LOGW00001' })),
    });
    links.push(((await more.json()) as { url: string }).url);
    const note = await checkpointCovering(44, 3);
    expect(note).toMatch(/— witness\.example\/w1 /);
    expect(note).toMatch(/— witness\.example\/w2 /);

    const run = hallmark(
      ['verify', links[5]!, ...trustArgs, '--log', `${svc.url}/log`, '--log-state', 'seen.json'],
      { cwd: dir },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /logged {7}entry 8 of 4\d in localhost:\d+\/log, cosigned by witness\.example\/w1, witness\.example\/w2/,
    );
  });

  it('a tlog-proof made online verifies offline, and fails for another certificate', () => {
    const proof = hallmark(['log', 'proof', links[2]!, ...trustArgs, '--log', `${svc.url}/log`], {
      cwd: dir,
    });
    expect(proof.status, proof.stderr).toBe(0);
    expect(proof.stdout).toMatch(/^c2sp\.org\/tlog-proof@v1\nindex 5\n/);
    writeFileSync(join(dir, 'cert.tlog-proof'), proof.stdout);
    const ok = hallmark(['verify', links[2]!, ...trustArgs, '--proof', 'cert.tlog-proof'], {
      cwd: dir,
    });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/logged {7}entry 5 of/);
    const other = hallmark(['verify', links[3]!, ...trustArgs, '--proof', 'cert.tlog-proof'], {
      cwd: dir,
    });
    expect(other.status).toBe(4);
    expect(other.stderr).toMatch(/NOT IN THE LOG/);
  });

  it('a quorum the checkpoint cannot meet is refused: a witness it lacks does not count', () => {
    const absent = formatCosignerKey('witness.example/w3', testKey('w3').publicKey);
    const base = ['verify', links[0]!, ...trustArgs, '--log', `${svc.url}/log`];
    const lacking = hallmark(
      [...base, '--witness', witnesses[0]!.vkey, '--witness', absent, '--quorum', '2'],
      { cwd: dir },
    );
    expect(lacking.status).toBe(1);
    expect(lacking.stderr).toMatch(/has 1 of the 2 witness cosignatures required/);
    const tooMany = hallmark([...base, '--witness', witnesses[0]!.vkey, '--quorum', '2'], {
      cwd: dir,
    });
    expect(tooMany.status).toBe(2); // a usage error
    expect(tooMany.stderr).toMatch(/--quorum 2 is more than the 1 witnesses known/);
  });

  it('an independent verifier (Python) recomputes the root from the live tiles and finds every certificate', async () => {
    const res = await api('/api/v1/log/certificates?from=0&to=1000');
    const { certificates } = (await res.json()) as {
      certificates: { index: number; jws: string }[];
    };
    expect(certificates.length).toBeGreaterThanOrEqual(44);
    const list = join(dir, 'certificates.txt');
    writeFileSync(list, certificates.map((c) => `${c.index} ${c.jws}\n`).join(''));
    const run = spawnSync(
      'python3',
      [
        join(REPO, 'test/independent/verify_log.py'),
        `${svc.url}/log`,
        logKey,
        logKey.split('+')[0]!,
        list,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (run.error) throw run.error;
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(new RegExp(`^\\d+ [0-9a-f]{64} ${certificates.length}$`));
  });

  it('the monitor finds a duplicate serial planted by an insider and a serial missing from the ERP, then stays quiet', async () => {
    // A first run reads everything logged so far: nothing wrong yet.
    const first = monitor(['--state', 'monitor.json'], true);
    expect(first.status, first.stdout + first.stderr).toBe(0);
    // The ERP export knows every serial made: the samples, LOG00000-LOG00039 and LOGW00001.
    const made = [
      ...SAMPLE_WATCHES.map((w) => w.serial),
      ...Array.from({ length: 40 }, (_, i) => `LOG${String(i).padStart(5, '0')}`),
      'LOGW00001',
    ];
    writeFileSync(join(dir, 'erp.csv'), `serial\n${made.join('\n')}\n`);

    const unknown = await api('/api/v1/certificates', {
      method: 'POST',
      body: JSON.stringify(watchBody({ serial: 'NOTINERP01' })),
    });
    expect(unknown.status).toBe(201);
    // An insider with the database and the passphrase mints a second certificate for a serial.
    const db = openDatabase(env.HALLMARK_DB!);
    const registry = createRegistry(db, {
      passphrase: readFileSync(devPassphraseFile(join(dir, 'data', 'hallmark.db')), 'utf8').trim(),
      legacyBrand: 'DEMO',
      now: () => Math.floor(Date.now() / 1000),
    });
    const insider = db
      .transaction(() =>
        issueCertificate(registry, watchBody({ serial: 'LOG00007' }) as never, 'DEMO', 2, {
          actor: 'insider',
          now: Math.floor(Date.now() / 1000),
        }),
      )
      .immediate();
    db.close();
    await checkpointCovering(insider.logIndex! + 1, 3);

    const run = monitor(['--state', 'monitor.json', '--erp', 'erp.csv', '--all-brands'], true);
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /^NOT-IN-ERP {2}entry \d+: DEMO NOTINERP01 is not in the ERP export$/m,
    );
    expect(run.stdout).toMatch(
      new RegExp(
        `^DUPLICATE {2}DEMO LOG00007 has 2 live certificates \\(log entries 10, ${insider.logIndex}\\)$`,
        'm',
      ),
    );
    expect(run.stdout).not.toMatch(/UNACCOUNTED|UNKNOWN-KEY|MISMATCH/);

    const again = monitor(['--state', 'monitor.json', '--erp', 'erp.csv'], true);
    expect(again.status, again.stdout + again.stderr).toBe(0);
  });

  it('a split view: a checkpoint signed by the log key but inconsistent with the one seen is caught (exit 5), and witnesses refuse it', async () => {
    // What a compromised log would show one victim: a validly signed tree head for another tree.
    const db = openDatabase(env.HALLMARK_DB!);
    const registry = createRegistry(db, {
      passphrase: readFileSync(devPassphraseFile(join(dir, 'data', 'hallmark.db')), 'utf8').trim(),
      legacyBrand: 'DEMO',
      now: () => Math.floor(Date.now() / 1000),
    });
    const identity = openLogIdentity(registry, readLogSettings(registry)!.origin, 0);
    db.close();
    const forged = signNote(
      checkpointText({ origin: identity.origin, size: 5, root: new Uint8Array(32).fill(7) }),
      [identity.signer],
    );
    writeFileSync(join(dir, 'victim.json'), JSON.stringify({ checkpoint: forged }));
    const run = hallmark(
      ['verify', links[0]!, ...trustArgs, '--log', `${svc.url}/log`, '--log-state', 'victim.json'],
      { cwd: dir },
    );
    expect(run.status).toBe(5);
    expect(run.stderr).toMatch(/SPLIT VIEW/);

    const watched = monitor(['--state', 'victim.json']);
    expect(watched.status).toBe(5);
    expect(watched.stdout).toMatch(/^SPLIT-VIEW {2}/m);

    // A witness that cosigned size N refuses another root for N (422) and a stale old size (409).
    const current = await checkpointNote();
    const n = size(current);
    const other = signNote(
      checkpointText({ origin: identity.origin, size: n, root: new Uint8Array(32).fill(9) }),
      [identity.signer],
    );
    for (const w of witnesses) {
      const bad = await fetch(`${w.url}/add-checkpoint`, {
        method: 'POST',
        body: `old ${n}\n\n${other}`,
      });
      expect(bad.status).toBe(422);
      const stale = await fetch(`${w.url}/add-checkpoint`, {
        method: 'POST',
        body: `old 1\n\n${current}`,
      });
      expect(stale.status).toBe(409);
      expect(stale.headers.get('content-type')).toBe('text/x.tlog.size');
      expect(await stale.text()).toBe(`${n}\n`);
      const unsigned = await fetch(`${w.url}/add-checkpoint`, {
        method: 'POST',
        body: `old ${n}\n\n${current.slice(0, current.indexOf('\n\n') + 2)}— ${identity.origin} ${b64(new Uint8Array(68))}\n`,
      });
      expect(unsigned.status).toBe(403);
    }
  });
});
