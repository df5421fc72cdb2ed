/**
 * `hallmark publish --out <dir>` (a real CLI process): the page, the trust list, the JWKS, the
 * status lists and the public log as static files. The folder is then served by a plain
 * static file server that is not ours (Python's http.server, which knows nothing of Hallmark's
 * headers), and the page verifies from it in Chromium, online and then offline. An
 * independent verifier (Python, from the specifications) checks the published log.
 */
import { createHash } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLogIdentity, publishCheckpoint } from '../../server/log/log-service.ts';
import { headersFile } from '../../server/publish/publish.ts';
import { pageCsp } from '../../web/build.ts';
import { statusService } from '../../server/status/status-service.ts';
import { launchChromium, PHONE, verdictOf } from '../helpers/browser.ts';
import { HALLMARK, hallmark, REPO } from '../helpers/cli.ts';
import { signTestTrustList } from '../helpers/registry.ts';
import { freePort, PASSPHRASE, testService, watchBody } from '../helpers/service.ts';
import { testDbLocation } from '../helpers/db.ts';

const dir = mkdtempSync(join(tmpdir(), 'hallmark-publish-'));
const site = join(dir, 'site');
const location = testDbLocation(dir, 'registry.db');
const svc = testService({ dbPath: location, brands: ['ZEN'] });
const env = {
  HALLMARK_DB: location,
  HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
  HALLMARK_ISSUER: 'HUB',
};
const ORIGIN = 'verify.hallmark.example/log';
let server: ChildProcess;
let url: string;
let browser: Browser;
const cards: Record<string, { digits: string; jws: string; logIndex: number }> = {};

async function issue(name: string, serial: string, issuer: string) {
  const token = svc.token(['issue'], `erp-${name}`, [issuer]);
  const res = await request(svc.app)
    .post('/api/v1/certificates')
    .set('Authorization', `Bearer ${token}`)
    .send(watchBody({ serial, issuer }));
  expect(res.status).toBe(201);
  cards[name] = {
    digits: String(res.body.qr).split('#')[1]!,
    jws: res.body.jws,
    logIndex: res.body.logIndex,
  };
}

const publish = () => hallmark(['publish', '--out', site], { cwd: dir, env });

beforeAll(async () => {
  // Real time: the browser judges the certificates' dates by its own clock.
  svc.clock.now = Math.floor(Date.now() / 1000) - 3600;
  const identity = openLogIdentity(svc.registry, ORIGIN, svc.clock.now);
  signTestTrustList(svc.registry); // names the log key, and when the log started
  for (let i = 0; i < 260; i++) await issue(`fill${i}`, `PUBF${String(i).padStart(5, '0')}`, 'HUB');
  await issue('active', 'PUBACTIVE1', 'HUB');
  await issue('stolen', 'PUBSTOLEN1', 'HUB');
  await issue('zen', 'PUBZEN0001', 'ZEN');
  statusService(svc.registry).change('HUB', 'PUBSTOLEN1', 'stolen', 'test');
  publishCheckpoint(svc.registry, identity, svc.clock.now);
  browser = await launchChromium();
});
afterAll(async () => {
  server?.kill();
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hallmark publish --out', () => {
  it('writes the page, trust list, JWKS, every status list and the log; no secret', () => {
    const run = publish();
    expect(run.stderr).toMatch(
      /^published to .+: \d+ files written, 0 unchanged tiles and assets kept; 2 status lists; log of 263 entries; trust list #\d+\n$/,
    );
    expect(run.status).toBe(0);
    for (const path of [
      'index.html',
      'isolated.html',
      'sw.js',
      'manifest.webmanifest',
      '_headers',
      '.well-known/hallmark-trust-list.jwt',
      '.well-known/jwks.json',
      'log/checkpoint',
      'log/vkey',
      'log/tile/0/000',
      'log/tile/0/001.p/7',
      'log/tile/1/000.p/1',
      'log/tile/entries/000',
      'log/tile/entries/001.p/7',
    ])
      expect(existsSync(join(site, path)), path).toBe(true);
    expect(readdirSync(join(site, 'status')).sort()).toEqual(
      (
        svc.registry.db.prepare('SELECT id FROM status_lists ORDER BY id').pluck().all() as number[]
      ).map((id) => `${id}.jwt`),
    );
    // The page's policy allows its one inline script and style by their hashes: those of
    // the published index.html, recomputed here.
    const html = readFileSync(join(site, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script>([^]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    const inline = { script: scripts[0]!, style: /<style>([^]*?)<\/style>/.exec(html)![1]! };
    // The isolated copy is the same page; the host sends it with the opener policy.
    expect(readFileSync(join(site, 'isolated.html'), 'utf8')).toBe(html);
    expect(readFileSync(join(site, '_headers'), 'utf8')).toMatch(
      /^\/isolated\.html\n(?: {2}.+\n)*? {2}Cross-Origin-Opener-Policy: same-origin\n/m,
    );
    const hash = (text: string) => createHash('sha256').update(text).digest('base64');
    const csp = pageCsp(inline);
    expect(csp).toContain(`script-src 'self' 'sha256-${hash(inline.script)}';`);
    expect(csp).toContain(`style-src 'self' 'sha256-${hash(inline.style)}'`);
    expect(readFileSync(join(site, '_headers'), 'utf8')).toBe(
      headersFile(`${csp}; frame-ancestors 'none'`),
    );
    expect(readFileSync(join(site, 'log/checkpoint'), 'utf8')).toBe(
      svc.registry.log.latestCheckpoint(),
    );
    // Nothing private: no private key member, no passphrase, no serial or claim in the log.
    const all = walk(site)
      .map((f) => readFileSync(f).toString('latin1'))
      .join('\n');
    expect(all).not.toContain('"d":');
    expect(all).not.toContain(PASSPHRASE);
    const log = walk(join(site, 'log'))
      .map((f) => readFileSync(f).toString('latin1'))
      .join('\n');
    expect(log).not.toContain('PUBACTIVE1');
    expect(log).not.toContain('Unico');
  });

  it('again: tiles and assets are kept, not rewritten; only what changed is written', () => {
    const tile = join(site, 'log/tile/0/000');
    const before = statSync(tile).mtimeMs;
    const asset = readdirSync(join(site, 'assets'));
    const run = publish();
    expect(run.status).toBe(0);
    // At most the status lists are written again (signed anew when a second has passed).
    expect(run.stderr).toMatch(/: [0-2] files written, [1-9]\d* unchanged tiles and assets kept;/);
    expect(statSync(tile).mtimeMs).toBe(before);
    expect(readdirSync(join(site, 'assets'))).toEqual(asset);
  });

  it('bad flags and an unwritable folder: one line naming the problem, non-zero exit', () => {
    const every = hallmark(['publish', '--out', site, '--every', '0'], { cwd: dir, env });
    expect(every.status).toBe(2);
    expect(every.stderr).toMatch(/--every: must be a whole number of seconds from 1 to 43200/);
    const noOut = hallmark(['publish'], { cwd: dir, env });
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toMatch(/--out <dir>/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const blocked = hallmark(['publish', '--out', join(file, 'site')], { cwd: dir, env });
    expect(blocked.status).toBe(1);
    expect(blocked.stderr.trim().split('\n')).toHaveLength(1);
    expect(blocked.stderr).toMatch(/cannot write to .*a-file\/site/);
  });

  it('--every publishes again until stopped, then exits 0', async () => {
    const child = spawn(process.execPath, [HALLMARK, 'publish', '--out', site, '--every', '1'], {
      cwd: dir,
      env: { ...process.env, ...env },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    while ((err.match(/^published to /gm) ?? []).length < 2) {
      expect(child.exitCode).toBeNull();
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('an independent verifier (Python, from the specifications) checks the published log and the certificates’ inclusion', () => {
    const vkey = readFileSync(join(site, 'log/vkey'), 'utf8').trim();
    const list = join(dir, 'certificates.txt');
    writeFileSync(
      list,
      Object.values(cards)
        .map((c) => `${c.logIndex} ${c.jws}`)
        .join('\n'),
    );
    const run = spawnSync(
      'python3',
      [join(REPO, 'test/independent/verify_log.py'), join(site, 'log'), vkey, ORIGIN, list],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (run.error) throw run.error;
    expect(run.stdout.trim()).toMatch(
      new RegExp(`^263 [0-9a-f]{64} ${Object.keys(cards).length}$`),
    );
    expect(run.status).toBe(0);
  });

  it('a brand that has no key to sign its list with: said on one line, the rest still published', async () => {
    const second = testDbLocation(dir, 'second.db');
    const svc2 = testService({ dbPath: second });
    svc2.registry.brands.add({ code: 'NOKEY', name: 'No key' }, svc2.clock.now);
    svc2.registry.db
      .prepare(
        "INSERT INTO status_lists (id, size, multiplier, \"offset\", brand, permutation) VALUES (77, 1024, 0, 0, 'NOKEY', 'feistel-v1')",
      )
      .run();
    svc2.registry.db.close();
    const out = join(dir, 'second-site');
    const run = hallmark(['publish', '--out', out], {
      cwd: dir,
      env: { ...env, HALLMARK_DB: second },
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(
      /^hallmark: not published, the brand has no active key: status\/77\.jwt \(brand NOKEY has no active signing key\)$/m,
    );
    expect(existsSync(join(out, 'status/77.jwt'))).toBe(false);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
  });

  it('served by a plain static server, the page verifies in Chromium, then offline', async () => {
    const port = await freePort();
    server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], {
      cwd: site,
      stdio: 'ignore',
    });
    url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const up = await fetch(`${url}/index.html`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 100) throw new Error('the static server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const context = await browser.newContext(PHONE);
    const requests: string[] = [];
    context.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const page = await context.newPage();
    await page.goto(`${url}/#${cards.active!.digits}`);
    await page.locator('#verdict [data-log="recorded"]').waitFor();
    const active = await verdictOf(page);
    expect(active.verdict).toBe('AUTHENTIC');
    expect(active.status).toBe('active');
    expect(active.text).toContain('PUBACTIVE1');
    expect(active.text).toMatch(/Recorded in the public log/);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });

    const stolen = await context.newPage();
    await stolen.goto(`${url}/#${cards.stolen!.digits}`);
    const s = await verdictOf(stolen);
    expect(s.verdict).toBe('REPORTED_STOLEN');
    expect(s.status).toBe('stolen');
    const zen = await context.newPage();
    await zen.goto(`${url}/#${cards.zen!.digits}`);
    const z = await verdictOf(zen);
    expect(z.verdict).toBe('AUTHENTIC');
    expect(z.status).toBe('active');
    // Everything came from the static folder: nothing asked a service.
    expect(requests.filter((p) => p.startsWith('/api/'))).toEqual([]);

    await context.setOffline(true);
    for (const [name, verdict, status] of [
      ['active', 'AUTHENTIC', 'active'],
      ['stolen', 'REPORTED_STOLEN', 'stolen'],
    ] as const) {
      const offline = await context.newPage();
      await offline.goto(`${url}/#${cards[name]!.digits}`);
      const v = await verdictOf(offline);
      expect(v.verdict, name).toBe(verdict);
      expect(v.status, name).toBe(status);
    }
    await context.close();
  });
});

function walk(root: string): string[] {
  return readdirSync(root, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(root, e.name)) : [join(root, e.name)],
  );
}
