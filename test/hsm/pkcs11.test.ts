/**
 * Brand keys in a hardware token, with a real PKCS#11 library (SoftHSM2, a throwaway token in a
 * temporary folder) and real processes: the service generates its brand key inside the token
 * and issues through it; jose verifies against the JWKS; pkcs11-tool shows the key sensitive
 * and never extractable; the registry file and the logs hold no private key material; status
 * lists sign in the token; the bulk import signs in worker threads, each with its own session;
 * and a wrong PIN, a missing module, a missing key and a token that disappears mid-import each
 * give one line and a non-zero exit, with a rerun issuing exactly what is missing.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { compactVerify, createLocalJWKSet } from 'jose';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { keySetFromJwks } from '../../shared/keys.ts';
import { verifyStatusList } from '../../shared/status-list.ts';
import { verifyTrustList } from '../../shared/trust-list.ts';
import { verify } from '../../shared/verify.ts';
import { HALLMARK, hallmark } from '../helpers/cli.ts';
import { startServiceProcess, watchBody, type ServiceProcess } from '../helpers/service.ts';
import { createSoftHsm, TOKEN_PIN, type SoftHsm } from '../helpers/softhsm.ts';
import { registryContents, testDbLocation } from '../helpers/db.ts';

/** An ERP export of `n` watches with serials `<prefix>0000000…`. */
function erpCsv(prefix: string, n: number): string {
  const rows = Array.from(
    { length: n },
    (_, i) =>
      `${prefix}${String(i).padStart(7, '0')},441.NX.1170.RX,Big Bang,King Gold,HUB1280,2026-03-02`,
  );
  return `serial,reference,model,caseMaterial,calibre,manufacturedOn\n${rows.join('\n')}\n`;
}

describe('brand keys in a PKCS#11 token (SoftHSM2)', { timeout: 180_000 }, () => {
  let hsm: SoftHsm;
  let dir: string;
  let env: Record<string, string>;
  let svc: ServiceProcess;
  let kid: string;

  beforeAll(async () => {
    hsm = createSoftHsm();
    dir = mkdtempSync(join(tmpdir(), 'hallmark-hsm-svc-'));
    env = {
      ...hsm.env,
      HALLMARK_DB: testDbLocation(join(dir, 'data'), 'hallmark.db'),
      HALLMARK_KEY_PASSPHRASE: '',
      HALLMARK_KEY_CUSTODY: 'pkcs11',
      HALLMARK_ISSUER: 'HUB',
    };
    svc = await startServiceProcess(env, dir);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${svc.url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${svc.adminToken}` },
    });

  it('the brand key is born in the token; a certificate issued through the API verifies with jose', async () => {
    const res = await api('/api/v1/certificates', {
      method: 'POST',
      body: JSON.stringify(watchBody({ serial: 'HSM0000001' })),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { jws: string; kid: string; url: string; claims: unknown };
    kid = body.kid;
    const jwks = await (await fetch(`${svc.url}/.well-known/jwks.json`)).json();
    const checked = await compactVerify(body.jws, createLocalJWKSet(jwks), {
      algorithms: ['Ed25519'],
    });
    expect(JSON.parse(new TextDecoder().decode(checked.payload))).toEqual(body.claims);
    expect(verify(body.url, keySetFromJwks(jwks), { now: new Date() })).toMatchObject({
      ok: true,
      kid,
    });
  });

  it('a batch signs in the token too, idempotently', async () => {
    const items = Array.from({ length: 50 }, (_, i) =>
      watchBody({ serial: `HSMB${String(i).padStart(6, '0')}` }),
    );
    const send = () =>
      fetch(`${svc.url}/api/v1/certificates/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${svc.adminToken}`,
          'Idempotency-Key': 'hsm-batch-1',
        },
        body: JSON.stringify({ items }),
      });
    const first = await send();
    expect(first.status).toBe(200);
    expect(((await first.json()) as { issued: number }).issued).toBe(50);
    const again = await send(); // a replay answers the same, and signs nothing new
    expect(((await again.json()) as { issued: number }).issued).toBe(50);
    const jwks = keySetFromJwks(await (await fetch(`${svc.url}/.well-known/jwks.json`)).json());
    const db = openDatabase(env.HALLMARK_DB!, { readonly: true });
    const jws = db
      .prepare("SELECT jws FROM certificates WHERE serial LIKE 'HSMB%'")
      .pluck()
      .all() as string[];
    db.close();
    expect(jws).toHaveLength(50);
    for (const j of jws) expect(verify(j, jwks, { now: new Date() }).ok).toBe(true);
  });

  it('pkcs11-tool lists the private key as sensitive and never extractable', () => {
    const db = openDatabase(env.HALLMARK_DB!, { readonly: true });
    const row = db
      .prepare('SELECT custody, pkcs11_label, sealed FROM keys WHERE kid = ?')
      .get(kid) as { custody: string; pkcs11_label: string; sealed: string };
    db.close();
    expect(row).toMatchObject({ custody: 'pkcs11', sealed: '' });
    const objects = hsm.tool(['--list-objects', '--type', 'privkey']);
    const block = objects
      .split(/\n(?=\S)/)
      .find((b) => b.includes(`label:      ${row.pkcs11_label}`));
    expect(block).toMatch(/Private Key Object; EC_EDWARDS/);
    expect(block).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
    // Asked for the private value through PKCS#11 itself, the token refuses.
    process.env.SOFTHSM2_CONF = env.SOFTHSM2_CONF; // this test process reads the same token
    const p = new pkcs11js.PKCS11();
    p.load(env.HALLMARK_PKCS11_MODULE!);
    p.C_Initialize();
    try {
      const slot = p
        .C_GetSlotList(true)
        .find((s) => p.C_GetTokenInfo(s).label.trim() === 'hallmark-test')!;
      const session = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      p.C_Login(session, pkcs11js.CKU_USER, TOKEN_PIN);
      p.C_FindObjectsInit(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_LABEL, value: row.pkcs11_label },
      ]);
      const [handle] = p.C_FindObjects(session, 1);
      p.C_FindObjectsFinal(session);
      expect(() => p.C_GetAttributeValue(session, handle!, [{ type: pkcs11js.CKA_VALUE }])).toThrow(
        /CKR_ATTRIBUTE_SENSITIVE/,
      );
    } finally {
      p.C_Finalize();
    }
  });

  it('status lists are signed in the token too', async () => {
    const revoked = await api('/api/v1/certificates/HSM0000001/revoke', {
      method: 'POST',
      body: JSON.stringify({ reason: 'card destroyed' }),
    });
    expect(revoked.status).toBe(200);
    const jwks = keySetFromJwks(await (await fetch(`${svc.url}/.well-known/jwks.json`)).json());
    const list = await (await fetch(`${svc.url}/status/0.jwt`)).text();
    expect(verifyStatusList(list, jwks, { issuer: 'HUB', list: 0 })).toBeTruthy();
  });

  it('the registry file and the service logs hold no private key material for the brand', () => {
    const file = registryContents(env.HALLMARK_DB!);
    // No PKCS#8 Ed25519 private key, no JWK "d", no sealed blob for the key, no PIN.
    expect(file.includes(Buffer.from('302e020100300506032b657004220420', 'hex'))).toBe(false);
    expect(file.includes('302e020100300506032b657004220420')).toBe(false);
    expect(file.includes(Buffer.from(TOKEN_PIN))).toBe(false);
    const logs = svc.stdout() + svc.stderr();
    expect(logs).not.toContain(TOKEN_PIN);
    expect(logs).not.toMatch(/"d":/);
    expect(logs).toContain(kid); // the logs name the key by its id only
  });

  it('the bulk import signs in worker threads, each with its own session; every certificate verifies', () => {
    writeFileSync(join(dir, 'erp.csv'), erpCsv('IMP', 4000));
    const run = hallmark(['import', 'erp.csv'], { cwd: dir, env });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/4000 rows: issued 4000/);
    const db = openDatabase(env.HALLMARK_DB!, { readonly: true });
    const jwks = keySetFromJwks({
      keys: (db.prepare('SELECT public_jwk FROM keys').pluck().all() as string[]).map((j) => ({
        ...JSON.parse(j),
        brand: 'HUB',
      })),
    });
    const certs = db
      .prepare("SELECT jws FROM certificates WHERE serial LIKE 'IMP%'")
      .pluck()
      .all() as string[];
    db.close();
    expect(certs).toHaveLength(4000);
    for (const jws of certs) expect(verify(jws, jwks, { now: new Date() }).ok).toBe(true);
  });

  it('a wrong PIN, a missing module, a missing key: one line each, non-zero exit, nothing issued', () => {
    writeFileSync(join(dir, 'one.csv'), erpCsv('ONE', 1));
    const count = () => {
      const db = openDatabase(env.HALLMARK_DB!, { readonly: true });
      const n = db.prepare('SELECT count(*) FROM certificates').pluck().get() as number;
      db.close();
      return n;
    };
    const before = count();
    const wrongPin = hallmark(['import', 'one.csv'], {
      cwd: dir,
      env: { ...env, HALLMARK_PKCS11_PIN: '0000' },
    });
    expect(wrongPin.status).toBe(1);
    expect(wrongPin.stderr).toBe(
      'hallmark: the PKCS#11 token "hallmark-test" refused the PIN (CKR_PIN_INCORRECT)\n',
    );
    const noModule = hallmark(['import', 'one.csv'], {
      cwd: dir,
      env: { ...env, HALLMARK_PKCS11_MODULE: '/nowhere/libpkcs11.so' },
    });
    expect(noModule.status).toBe(2);
    expect(noModule.stderr).toMatch(/HALLMARK_PKCS11_MODULE: no such file/);
    const notALibrary = hallmark(['import', 'one.csv'], {
      cwd: dir,
      env: { ...env, HALLMARK_PKCS11_MODULE: join(dir, 'one.csv') },
    });
    expect(notALibrary.status).toBe(1);
    expect(notALibrary.stderr).toMatch(
      /^hallmark: cannot load the PKCS#11 module .*one\.csv: .*\n$/,
    );
    const noToken = hallmark(['import', 'one.csv'], {
      cwd: dir,
      env: { ...env, HALLMARK_PKCS11_TOKEN: 'elsewhere' },
    });
    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toBe(
      'hallmark: no PKCS#11 token labelled "elsewhere" (tokens present: hallmark-test)\n',
    );
    // A registry whose brand key is in a token, opened without the token configured.
    const noConfig = hallmark(['import', 'one.csv'], {
      cwd: dir,
      env: {
        ...env,
        HALLMARK_PKCS11_MODULE: '',
        HALLMARK_PKCS11_PIN: '',
        HALLMARK_KEY_CUSTODY: '',
      },
    });
    expect(noConfig.status).toBe(1);
    expect(noConfig.stderr).toBe(
      "hallmark: brand HUB's key is in a PKCS#11 token: set HALLMARK_PKCS11_MODULE and its PIN\n",
    );
    expect(count()).toBe(before);
  });

  it('a token that disappears mid-import: one line, exit 1; put back, a rerun issues exactly what is missing', async () => {
    // Enough rows that the import is still signing when the token goes (it goes once 1,000 are
    // in, within 50 ms), few enough that the rerun stays quick on a loaded machine: through
    // SoftHSM2, with other test files running beside it, a rerun of 39,000 rows once took 60 s.
    writeFileSync(join(dir, 'big.csv'), erpCsv('GONE', 12_000));
    const saved = join(hsm.dir, 'saved-tokens');
    cpSync(join(hsm.dir, 'tokens'), saved, { recursive: true });
    const child = spawn(process.execPath, [HALLMARK, 'import', 'big.csv'], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    while (!/issued [1-9]\d{3,}/.test(err) && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    rmSync(join(hsm.dir, 'tokens'), { recursive: true }); // the token is pulled out
    expect(await exited).toBe(1);
    expect(err.trim().split('\n').at(-1)).toMatch(
      /^hallmark: the PKCS#11 token went away while signing \(CKR_[A-Z_]+\)$/,
    );
    expect(out).not.toMatch(/rows: issued/);

    cpSync(saved, join(hsm.dir, 'tokens'), { recursive: true }); // and put back
    const rerun = hallmark(['import', 'big.csv'], { cwd: dir, env });
    expect(rerun.status, rerun.stderr).toBe(0);
    const m = /12000 rows: issued (\d+), already existed (\d+), rejected 0/.exec(rerun.stdout)!;
    expect(Number(m[1]) + Number(m[2])).toBe(12_000);
    expect(Number(m[2])).toBeGreaterThan(0);
    const db = openDatabase(env.HALLMARK_DB!, { readonly: true });
    const n = db
      .prepare("SELECT count(*) FROM certificates WHERE serial LIKE 'GONE%'")
      .pluck()
      .get();
    db.close();
    expect(n).toBe(12_000);
  });

  it('keys generate --pkcs11 rotates the brand to a new key born in the token, named in the audit trail', () => {
    const run = hallmark(['keys', 'generate', '--pkcs11', '--brand', 'HUB'], { cwd: dir, env });
    expect(run.status, run.stderr).toBe(0);
    const newKid = run.stdout.trim();
    expect(newKid).not.toBe(kid);
    expect(run.stderr).toMatch(/HUB: retired .*; new signing key \(PKCS#11 "hallmark-HUB-/);
    const db = openDatabase(env.HALLMARK_DB!, { readonly: true });
    expect(db.prepare('SELECT custody, state FROM keys WHERE kid = ?').get(newKid)).toEqual({
      custody: 'pkcs11',
      state: 'active',
    });
    expect(db.prepare("SELECT count(*) FROM keys WHERE sealed <> ''").pluck().get()).toBe(0);
    db.close();
  });

  it('a key missing from the token: one line, exit 1, nothing issued', () => {
    const db = openDatabase(env.HALLMARK_DB!, { readonly: true });
    const label = db
      .prepare("SELECT pkcs11_label FROM keys WHERE brand = 'HUB' AND state = 'active'")
      .pluck()
      .get() as string;
    db.close();
    hsm.tool(['--delete-object', '--type', 'privkey', '--label', label]);
    writeFileSync(join(dir, 'late.csv'), erpCsv('LATE', 3));
    const run = hallmark(['import', 'late.csv'], { cwd: dir, env });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `hallmark: no private key labelled "${label}" in PKCS#11 token "hallmark-test"\n`,
    );
  });

  it('the root key can live in the token too: it signs the trust list, which verifies under its public key', () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'hallmark-hsm-root-'));
    const env2 = {
      ...hsm.env,
      HALLMARK_DB: testDbLocation(dir2, 'hallmark.db'),
      HALLMARK_KEY_PASSPHRASE: 'a passphrase for this registry only',
      HALLMARK_KEY_CUSTODY: 'pkcs11',
    };
    const added = hallmark(['brands', 'add', '--code', 'ZEN', '--name', 'Zenith'], {
      cwd: dir2,
      env: env2,
    });
    expect(added.status, added.stderr).toBe(0);
    const root = hallmark(['root', 'generate', '--pkcs11', '--jwks', 'root.jwks.json'], {
      cwd: dir2,
      env: env2,
    });
    expect(root.status, root.stderr).toBe(0);
    const label = root.stdout.trim();
    expect(label).toMatch(/^hallmark-root-/);
    const signed = hallmark(['trust-list', 'sign', '--root-pkcs11', label, '--out', 'list.jwt'], {
      cwd: dir2,
      env: env2,
    });
    expect(signed.status, signed.stderr).toBe(0);
    const list = verifyTrustList(
      readFileSync(join(dir2, 'list.jwt'), 'utf8'),
      keySetFromJwks(JSON.parse(readFileSync(join(dir2, 'root.jwks.json'), 'utf8'))),
    );
    expect(list.payload.brands.map((b) => b.code)).toEqual(['ZEN']);
    const db = openDatabase(env2.HALLMARK_DB, { readonly: true });
    expect(db.prepare("SELECT custody FROM keys WHERE brand = 'ZEN'").pluck().all()).toEqual([
      'pkcs11',
    ]);
    db.close();
  });
});
