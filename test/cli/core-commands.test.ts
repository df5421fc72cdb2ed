/** `hallmark keys generate`, `sign` and `verify` as a new user runs them from the README. */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hallmark } from '../helpers/cli.ts';
import { watchBody } from '../helpers/service.ts';
import { zbarDecode } from '../helpers/zbar.ts';

const env = { HALLMARK_KEY_PASSPHRASE: 'a long test passphrase' };
const watch = watchBody({ issuer: 'HUB' });

describe('hallmark keys generate / sign / verify', () => {
  let cwd: string;
  let kid: string;
  let cert: { kid: string; jws: string; qr: string; url: string };

  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'hallmark-cli-'));
    const gen = hallmark(['keys', 'generate', '--brand', 'HUB'], { cwd, env });
    expect(gen.status, gen.stderr).toBe(0);
    kid = gen.stdout.trim();
    writeFileSync(join(cwd, 'watch.json'), JSON.stringify(watch));
    const signed = hallmark(
      ['sign', 'watch.json', '--key', 'hallmark-key.json', '--png', 'qr.png'],
      { cwd, env },
    );
    expect(signed.status, signed.stderr).toBe(0);
    cert = JSON.parse(signed.stdout);
  });

  it('writes a sealed key file (mode 0600, no seed in clear) and a public JWKS', () => {
    const file = readFileSync(join(cwd, 'hallmark-key.json'), 'utf8');
    expect(statSync(join(cwd, 'hallmark-key.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(file)).toMatchObject({ kid, sealed: { kdf: 'scrypt' } });
    expect(file).not.toMatch(/"d"/);
    expect(JSON.parse(readFileSync(join(cwd, 'jwks.json'), 'utf8')).keys[0]).toMatchObject({
      kid,
      kty: 'OKP',
      crv: 'Ed25519',
    });
  });

  it('refuses to overwrite a key file', () => {
    const again = hallmark(['keys', 'generate'], { cwd, env });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/refusing to overwrite/);
  });

  it('signs: JWS, QR text and URL; the PNG decodes to the QR text', () => {
    expect(cert.kid).toBe(kid);
    expect(cert.qr).toMatch(/^HTTP:\/\/LOCALHOST:8080\/#\d+$/);
    expect(cert.url).toMatch(/^http:\/\/localhost:8080\/#\d+$/);
    expect(zbarDecode(readFileSync(join(cwd, 'qr.png')))).toEqual([cert.qr]);
  });

  it('verifies each form, printing the verdict and the claims, exit 0', () => {
    for (const input of [cert.url, cert.qr, cert.jws]) {
      const out = hallmark(['verify', input, '--jwks', 'jwks.json'], { cwd });
      expect(out.status).toBe(0);
      expect(out.stdout).toMatch(/^AUTHENTIC\n/);
      expect(out.stdout).toContain(
        'HB26A0012345  (compare with the serial engraved on the caseback)',
      );
    }
    const json = hallmark(['verify', '-', '--jwks', 'jwks.json', '--json'], {
      cwd,
      input: cert.jws,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, claims: { sn: 'HB26A0012345' } });
  });

  it('exits 1 with the reason when the certificate is not authentic', () => {
    const digits = cert.qr.slice(cert.qr.indexOf('#') + 1);
    const i = digits.length - 20;
    const replacement = digits[i] === '0' ? '1' : '0';
    const altered = `${cert.qr.slice(0, cert.qr.indexOf('#') + 1)}${digits.slice(0, i)}${replacement}${digits.slice(i + 1)}`;
    const out = hallmark(['verify', altered, '--jwks', 'jwks.json'], { cwd });
    expect(out.status).toBe(1);
    expect(out.stdout).toMatch(/^NOT AUTHENTIC {2}(SIGNATURE_INVALID|MALFORMED)/);
  });

  it('reports bad input clearly, naming fields, without a stack trace', () => {
    writeFileSync(
      join(cwd, 'bad.json'),
      JSON.stringify({ ...watch, manufacturedOn: '2026-02-30', serial: '' }),
    );
    const bad = hallmark(['sign', 'bad.json', '--key', 'hallmark-key.json'], { cwd, env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('manufacturedOn: is not a real calendar date');
    expect(bad.stderr).toContain('serial: must be');
    expect(bad.stderr).not.toMatch(/\n\s+at /);

    const wrong = hallmark(['sign', 'watch.json', '--key', 'hallmark-key.json'], {
      cwd,
      env: { HALLMARK_KEY_PASSPHRASE: 'the wrong passphrase' },
    });
    expect(wrong.status).toBe(4);
    expect(wrong.stderr).toMatch(/wrong passphrase/);

    const noPass = hallmark(['sign', 'watch.json', '--key', 'hallmark-key.json'], {
      cwd,
      env: { HALLMARK_KEY_PASSPHRASE: '' },
    });
    expect(noPass.stderr).toMatch(/HALLMARK_KEY_PASSPHRASE is not set/);

    const badOpt = hallmark(
      ['sign', 'watch.json', '--key', 'hallmark-key.json', '--status-index', '-4'],
      { cwd, env },
    );
    expect(badOpt.status).toBe(2);
    expect(badOpt.stderr).toMatch(/status-index/);

    const noJwks = hallmark(['verify', cert.url, '--jwks', 'missing.json'], { cwd });
    expect(noJwks.status).toBe(2);
    expect(noJwks.stderr).toMatch(/cannot read missing.json/);
  });
});
