/**
 * Independent cross-checks: what we sign verifies with jose and with Node's own crypto, what
 * jose signs we verify, and our QR images decode with zbarimg to exactly the QR text.
 */
import { verify as nodeVerify, createPublicKey } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { compactVerify, createLocalJWKSet, CompactSign, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { fromBase64url, utf8 } from '../../shared/bytes.ts';
import { signCertificate } from '../../shared/certificate.ts';
import { canonicalClaimsJson } from '../../shared/claims.ts';
import { toJws, toQr } from '../../shared/qr.ts';
import { verify } from '../../shared/verify.ts';
import { renderPng, renderSvg, qrSymbolInfo } from '../../server/qr/render.ts';
import { BASE_URL, NOW, sampleClaims, testKey, trust } from '../helpers/fixtures.ts';
import { zbarDecode } from '../helpers/zbar.ts';

ed.hashes.sha512 = sha512;
const key = testKey('cross');
const jwks = { keys: [key.publicJwk()] };
const keys = trust({ key });

const models = [
  'Big Bang Unico 42 mm',
  'Montre Café — Édition ®',
  '<img src=x onerror=alert(1)>',
  'Ω Seamaster 300M',
  'x'.repeat(64),
];
const certs = models.map((mdl, i) =>
  signCertificate(sampleClaims({ mdl, sn: `HB26A00${i}`, sli: i * 7919 }), key.kid, key.sign),
);

describe('jose (WebCrypto) verifies what we sign', () => {
  it.each(certs.map((c) => [c.claims.mdl, c] as const))(
    '%s: the JWS rebuilt from the QR verifies with the JWKS',
    async (_m, cert) => {
      const jws = toJws(toQr(cert, BASE_URL).text, keys);
      expect(jws).toBe(cert.jws);
      const result = await compactVerify(jws, createLocalJWKSet(jwks as never), {
        algorithms: ['Ed25519'],
      });
      expect(result.protectedHeader).toEqual({ alg: 'Ed25519', kid: key.kid });
      expect(new TextDecoder().decode(result.payload)).toBe(canonicalClaimsJson(cert.claims));
    },
  );

  it('rejects a tampered JWS, as we do', async () => {
    const [h, , s] = certs[0]!.jws.split('.');
    const forged = `${h}.${Buffer.from(canonicalClaimsJson(sampleClaims({ sn: 'FAKE0001' }))).toString('base64url')}.${s}`;
    await expect(
      compactVerify(forged, createLocalJWKSet(jwks as never), { algorithms: ['Ed25519'] }),
    ).rejects.toThrow();
    expect(verify(forged, keys, { now: NOW })).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
    });
  });

  it('we verify what jose signs (and Ed25519 being deterministic, the signatures are identical)', async () => {
    const privateJwk = {
      kty: 'OKP',
      crv: 'Ed25519',
      x: key.publicJwk().x,
      d: Buffer.from(key.exportSeed()).toString('base64url'),
    };
    const joseKey = await importJWK(privateJwk, 'Ed25519');
    const claims = sampleClaims({ mdl: 'Signed by jose' });
    const jws = await new CompactSign(utf8(canonicalClaimsJson(claims)))
      .setProtectedHeader({ alg: 'Ed25519', kid: key.kid })
      .sign(joseKey);
    expect(verify(jws, keys, { now: NOW })).toMatchObject({ ok: true, claims });
    expect(jws).toBe(signCertificate(claims, key.kid, key.sign).jws);
  });
});

describe('two implementations, crossed: OpenSSL signs and noble verifies; noble signs and OpenSSL verifies', () => {
  it('for random claims, with byte-identical signatures (RFC 8032 signing is deterministic)', () => {
    const publicKey = createPublicKey({ key: key.publicJwk() as never, format: 'jwk' });
    const seed = key.exportSeed();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        (sli, suffix) => {
          const mdl = `Model ${suffix.replace(/[^\p{L}\p{N}]/gu, '')}`.trim();
          // Our signer is Node's (OpenSSL); the other side is @noble/ed25519, used directly.
          const cert = signCertificate(sampleClaims({ sli, mdl }), key.kid, key.sign);
          const [h, p, s] = cert.jws.split('.') as [string, string, string];
          const input = utf8(`${h}.${p}`);
          const openssl = fromBase64url(s);
          expect(ed.verify(openssl, input, key.publicKey, { zip215: false })).toBe(true);
          const noble = ed.sign(input, seed);
          expect(nodeVerify(null, input, publicKey, noble)).toBe(true);
          expect(Buffer.from(noble).equals(Buffer.from(openssl))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('zbarimg decodes our QR images to exactly the QR text', () => {
  it.each(certs.map((c) => [c.claims.mdl, c] as const))('%s (PNG)', async (_m, cert) => {
    const qr = toQr(cert, BASE_URL);
    expect(zbarDecode(await renderPng(qr))).toEqual([qr.text]);
    expect(verify(zbarDecode(await renderPng(qr))[0], keys, { now: NOW }).ok).toBe(true);
  });

  it('at every ECC level, and with a path in the base URL', async () => {
    for (const ecc of ['L', 'M', 'Q', 'H'] as const) {
      const qr = toQr(certs[0]!, 'https://brand.example/Verify/');
      expect(zbarDecode(await renderPng(qr, { ecc, scale: 4 }))).toEqual([qr.text]);
    }
  });

  it('the SVG is a real SVG of the same symbol size', async () => {
    const qr = toQr(certs[0]!, BASE_URL);
    const svg = await renderSvg(qr);
    const { modules } = qrSymbolInfo(qr);
    expect(svg).toMatch(/^<svg[^>]+viewBox="0 0 (\d+) \1"/);
    expect(Number(/viewBox="0 0 (\d+)/.exec(svg)![1])).toBe(modules + 8);
  });

  it('the typical certificate fits a version 10 symbol or smaller at ECC M', () => {
    expect(qrSymbolInfo(toQr(certs[0]!, BASE_URL), 'M').version).toBeLessThanOrEqual(10);
  });
});
