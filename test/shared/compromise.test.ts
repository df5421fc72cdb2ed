/** A compromised key: refused from its compromise on; before it, flagged for the registry to confirm. */
import { describe, expect, it } from 'vitest';
import { signCertificate } from '../../shared/certificate.ts';
import { keySetFromJwks } from '../../shared/keys.ts';
import { signCompactJws } from '../../shared/jws.ts';
import { verifyStatusList } from '../../shared/status-list.ts';
import { verify } from '../../shared/verify.ts';
import { NOW, sampleClaims, testKey } from '../helpers/fixtures.ts';

const key = testKey('stolen one day');
const SINCE = NOW - 10 * 86_400;
const keys = keySetFromJwks({
  keys: [{ ...key.publicJwk({ notBefore: NOW - 400 * 86_400 }), brand: 'HUB', cs: SINCE }],
});
const sign = (iat: number) => signCertificate(sampleClaims({ iat }), key.kid, key.sign).jws;

describe('a compromised key', () => {
  it('certificates dated at or after the compromise are refused', () => {
    for (const iat of [SINCE, SINCE + 1, NOW - 60])
      expect(verify(sign(iat), keys, { now: NOW })).toMatchObject({
        ok: false,
        code: 'KEY_COMPROMISED',
      });
  });

  it('certificates dated before verify, flagged: their date is the signer’s word', () => {
    expect(verify(sign(SINCE - 1), keys, { now: NOW })).toMatchObject({
      ok: true,
      keyCompromisedSince: SINCE,
    });
    const clean = keySetFromJwks({ keys: [{ ...key.publicJwk(), brand: 'HUB' }] });
    expect(verify(sign(SINCE - 1), clean, { now: NOW })).not.toHaveProperty('keyCompromisedSince');
  });

  it('status lists it signed after the compromise are refused', () => {
    const list = (iat: number) =>
      signCompactJws(
        { alg: 'Ed25519', kid: key.kid, typ: 'statuslist+jwt' },
        JSON.stringify({
          iss: 'HUB',
          lst: 0,
          size: 8,
          bits: 2,
          iat,
          ttl: 86_400,
          lst_gz: 'H4sIAAAAAAAAA2NgAAD4ufUBAgAAAA',
        }),
        key.sign,
      );
    expect(() => verifyStatusList(list(SINCE + 5), keys, { issuer: 'HUB', list: 0 })).toThrow(
      expect.objectContaining({ code: 'KEY_COMPROMISED' }),
    );
    expect(verifyStatusList(list(SINCE - 5), keys, { issuer: 'HUB', list: 0 }).iat).toBe(SINCE - 5);
  });
});
