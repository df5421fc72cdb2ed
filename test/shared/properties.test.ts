/** Property tests (fast-check): sign→verify always holds; any single change is always caught. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signCertificate } from '../../shared/certificate.ts';
import { MAX_GENERATION, MAX_STATUS_INDEX, type Claims } from '../../shared/claims.ts';
import { encodeCompact, peekStatusIndex } from '../../shared/compact.ts';
import { verifyNatively } from '../../shared/ed25519-native.ts';
import { bytesToDigits } from '../../shared/digits.ts';
import { toQr } from '../../shared/qr.ts';
import { verify } from '../../shared/verify.ts';
import { statusIndexHint } from '../../web/src/status-fetch.ts';
import { BASE_URL, NOW, testKey, trust } from '../helpers/fixtures.ts';

const key = testKey('properties');
const keys = trust({ key });
const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const textChars = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-/éèàüöçÅØ<>&"\'()®™—',
];

const arbText = (max: number) =>
  fc
    .array(fc.constantFrom(...textChars), { minLength: 1, maxLength: max })
    .map((cs) => cs.join('').replace(/\s+/g, ' ').trim())
    .filter((s) => s.length > 0);

const arbClaims: fc.Arbitrary<Claims> = fc.record({
  v: fc.constant(1 as const),
  iss: fc.stringMatching(/^[A-Z0-9]{2,8}$/),
  sn: fc
    .tuple(fc.constantFrom(...upper), fc.stringMatching(/^[A-Z0-9./-]{2,31}$/))
    .map(([a, b]) => a + b),
  ref: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9./-]{0,31}$/),
  mdl: arbText(64),
  cas: arbText(40),
  cal: arbText(32),
  mfd: fc
    .date({ min: new Date('1900-01-01'), max: new Date('2026-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  iat: fc.integer({ min: 1_767_225_600, max: NOW }),
  sli: fc.integer({ min: 0, max: MAX_STATUS_INDEX }),
  gen: fc.integer({ min: 1, max: MAX_GENERATION }),
});

describe('properties', () => {
  it('sign → verify succeeds for every valid claims set, in every form, with identical claims', () => {
    fc.assert(
      fc.property(arbClaims, (claims) => {
        const cert = signCertificate(claims, key.kid, key.sign);
        const qr = toQr(cert, BASE_URL);
        const ownBrand = trust({ key, brand: claims.iss });
        for (const input of [qr.text, qr.url, cert.jws]) {
          const verdict = verify(input, ownBrand, { now: NOW });
          expect(verdict).toMatchObject({ ok: true, claims, kid: key.kid, jws: cert.jws });
          // The same signature, with the key trusted for another brand: refused.
          const otherBrand = trust({ key, brand: claims.iss === 'ZZ' ? 'YY' : 'ZZ' });
          expect(verify(input, otherBrand, { now: NOW })).toMatchObject({
            ok: false,
            code: 'KEY_NOT_FOR_BRAND',
          });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('changing any single character of the QR text is rejected', () => {
    const cert = signCertificate(
      fc.sample(arbClaims, { numRuns: 1, seed: 7 })[0]!,
      key.kid,
      key.sign,
    );
    const { text } = toQr(cert, BASE_URL);
    const hash = text.indexOf('#');
    fc.assert(
      fc.property(
        fc.integer({ min: hash + 1, max: text.length - 1 }),
        fc.integer({ min: 1, max: 9 }),
        (i, delta) => {
          const digit = String((Number(text[i]) + delta) % 10);
          const changed = text.slice(0, i) + digit + text.slice(i + 1);
          expect(verify(changed, keys, { now: NOW }).ok).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
    // And exhaustively over every digit position, one change each.
    for (let i = hash + 1; i < text.length; i++) {
      const changed = text.slice(0, i) + String((Number(text[i]) + 1) % 10) + text.slice(i + 1);
      expect(verify(changed, keys, { now: NOW }).ok, `position ${i}`).toBe(false);
    }
  });

  it('flipping any bit of the signed bytes is rejected', () => {
    fc.assert(
      fc.property(arbClaims, fc.nat(), (claims, bitSeed) => {
        const cert = signCertificate(claims, key.kid, key.sign);
        const bytes = encodeCompact(cert);
        const bit = bitSeed % (bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        expect(verify(`${BASE_URL}#${bytesToDigits(bytes)}`, keys, { now: NOW }).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('random junk never throws and never verifies', () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 600 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.stringMatching(/^[0-9]{0,500}$/),
      fc.stringMatching(/^https?:\/\/[a-z.]{1,20}\/#[0-9]{0,400}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,80}\.[A-Za-z0-9_-]{0,200}\.[A-Za-z0-9_-]{0,90}$/),
      fc.anything(),
    );
    fc.assert(
      fc.property(junk, (input) => {
        const verdict = verify(input, keys, { now: NOW });
        expect(verdict.ok).toBe(false);
        expect(typeof (verdict as { code: string }).code).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });

  it('the status index read ahead of verification (to fetch its list early) is the one verification reads', () => {
    fc.assert(
      fc.property(arbClaims, fc.option(fc.nat({ max: 2 ** 35 - 1 })), (claims, logIndex) => {
        const cert = signCertificate(claims, key.kid, key.sign);
        const logged = logIndex === null ? cert : { ...cert, logIndex };
        expect(peekStatusIndex(encodeCompact(logged))).toBe(claims.sli);
        const qr = toQr(logged, BASE_URL);
        for (const input of [qr.text, qr.url, qr.url.split('#')[1]!, ` ${qr.url}\n`])
          expect(statusIndexHint(input)).toBe(claims.sli);
      }),
      { numRuns: 300 },
    );
    // Anything else reads as no index (the verifier then says why), and nothing throws.
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.string({ maxLength: 300 }),
          fc.stringMatching(/^[0-9]{0,400}$/),
        ),
        (junk) => {
          const sli = typeof junk === 'string' ? statusIndexHint(junk) : peekStatusIndex(junk);
          expect(sli === undefined || Number.isSafeInteger(sli)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
    expect(statusIndexHint(`${BASE_URL}#`)).toBeUndefined();
    expect(statusIndexHint('https://verify.example/no-fragment')).toBeUndefined();
  });

  it('verified natively (WebCrypto, as the page does), every certificate gets the strict verifier’s verdict', async () => {
    await fc.assert(
      fc.asyncProperty(arbClaims, fc.nat(), fc.boolean(), async (claims, bitSeed, alter) => {
        const cert = signCertificate(claims, key.kid, key.sign);
        const bytes = encodeCompact(cert);
        if (alter) {
          const bit = bitSeed % (bytes.length * 8);
          bytes[bit >> 3]! ^= 1 << (bit & 7);
        }
        const input = `${BASE_URL}#${bytesToDigits(bytes)}`;
        const ownBrand = trust({ key, brand: claims.iss });
        expect(await verifyNatively(() => verify(input, ownBrand, { now: NOW }))).toEqual(
          verify(input, ownBrand, { now: NOW }),
        );
      }),
      { numRuns: 150 },
    );
  });
});
