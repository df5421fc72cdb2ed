/**
 * The page's first check verifies with the schema-free claims rules (verify-core.ts with
 * `checkClaimsRules`), the full verifier with the zod schema. The first check may show only
 * what the full check would: on every input, both accept with the same verdict, or both
 * refuse with the same code (the full verifier alone words the failing fields).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64url, textToBase64url, utf8 } from '../../shared/bytes.ts';
import { signCertificate } from '../../shared/certificate.ts';
import { MAX_GENERATION, MAX_STATUS_INDEX, type Claims } from '../../shared/claims.ts';
import { encodeCompact } from '../../shared/compact.ts';
import { bytesToDigits } from '../../shared/digits.ts';
import { encodedHeader } from '../../shared/jws.ts';
import { toQr } from '../../shared/qr.ts';
import { verify } from '../../shared/verify.ts';
import { checkClaimsRules, verifyWith } from '../../shared/verify-core.ts';
import { BASE_URL, NOW, sampleClaims, testKey, trust } from '../helpers/fixtures.ts';

const key = testKey('verify-core');
const keys = trust({ key });

/** Both verifiers on one input: the same acceptance, the same verdict or the same code. */
function agree(input: unknown): boolean {
  const full = verify(input, keys, { now: NOW });
  const rules = verifyWith(input, keys, { now: NOW }, checkClaimsRules);
  if (full.ok) expect(rules).toEqual(full);
  else expect(rules).toMatchObject({ ok: false, code: full.code });
  return full.ok;
}

/** A JWS over any JSON payload, validly signed by the trusted key. */
function signedJson(payload: unknown): string {
  const input = `${encodedHeader(key.kid)}.${textToBase64url(JSON.stringify(payload))}`;
  return `${input}.${toBase64url(key.sign(utf8(input)))}`;
}

const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** A valid value most of the time, else one that breaks or tests the field's rule. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: other, weight: 1 });
const text = mostly(
  fc.constantFrom('Big Bang Unico 42 mm', 'King Gold', 'Montre Café', 'Часы Полёт', 'HUB1280'),
  fc.oneof(
    fc.constantFrom('Rоlex', '  x', 'a\u200bb', 'e\u0301', ''),
    fc.string({ maxLength: 70 }),
  ),
);
/** Claims near the rules' edges: most valid, many one rule off. */
const arbClaims = fc.record({
  v: mostly(fc.constant(1), fc.constantFrom(2, '1', 0)),
  iss: mostly(fc.constant('HUB'), fc.stringMatching(/^[A-Za-z0-9]{1,9}$/)),
  sn: mostly(
    fc
      .tuple(fc.constantFrom(...upper), fc.stringMatching(/^[A-Z0-9./-]{2,31}$/))
      .map(([a, b]) => a + b),
    fc.string({ maxLength: 34 }),
  ),
  ref: mostly(fc.constant('441.NX.1170.RX'), fc.stringMatching(/^[A-Za-z0-9 ./-]{0,34}$/)),
  mdl: text,
  cas: text,
  cal: text,
  mfd: mostly(
    fc.constantFrom('2026-03-02', '1999-12-31'),
    fc.oneof(
      fc.constantFrom('2026-02-30', '1899-12-31', '2027-01-01'),
      fc.string({ maxLength: 10 }),
    ),
  ),
  iat: mostly(
    fc.integer({ min: NOW - 86_400 * 100, max: NOW }),
    fc.oneof(fc.double(), fc.constant(NOW + 900)),
  ),
  sli: mostly(fc.integer({ min: 0, max: MAX_STATUS_INDEX }), fc.integer({ min: -5, max: -1 })),
  gen: mostly(fc.integer({ min: 1, max: MAX_GENERATION }), fc.constantFrom(0, 70_000, 1.5)),
});

describe('the schema-free verifier of the first check', () => {
  it('agrees with the full verifier on every form of valid certificates', () => {
    const claims = sampleClaims({ iss: 'HUB' });
    const cert = signCertificate(claims, key.kid, key.sign);
    const qr = toQr(cert, BASE_URL);
    for (const input of [qr.text, qr.url, cert.jws, qr.text.split('#')[1]!])
      expect(agree(input)).toBe(true);
  });

  it('agrees on validly signed payloads with any claims, valid or one rule off', () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbClaims, fc.boolean(), (claims, extra) => {
        const payload: Record<string, unknown> = extra ? { ...claims, x: 1 } : claims;
        if (agree(signedJson(payload))) accepted++;
        // The QR form carries only what it can encode: the valid sets, re-signed canonically.
        try {
          const cert = signCertificate(claims as Claims, key.kid, key.sign);
          agree(toQr(cert, BASE_URL).text);
        } catch {
          // not signable: the signer refused it
        }
      }),
      { numRuns: 600 },
    );
    expect(accepted).toBeGreaterThan(60); // the generator reaches both outcomes
    expect(accepted).toBeLessThan(560);
  });

  it('agrees on altered codes and on junk', () => {
    const bytes = encodeCompact(signCertificate(sampleClaims(), key.kid, key.sign));
    fc.assert(
      fc.property(fc.nat(bytes.length * 8 - 1), (bit) => {
        const changed = Uint8Array.from(bytes);
        changed[bit >> 3]! ^= 1 << (bit & 7);
        expect(agree(`${BASE_URL}#${bytesToDigits(changed)}`)).toBe(false);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.anything()), (junk) => {
        agree(junk);
      }),
      { numRuns: 500 },
    );
  });
});
