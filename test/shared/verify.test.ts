import { describe, expect, it } from 'vitest';
import { signCertificate } from '../../shared/certificate.ts';
import { fromQr, toJws, toQr } from '../../shared/qr.ts';
import { verify } from '../../shared/verify.ts';
import { BASE_URL, NOW, sampleClaims, testKey, trust } from '../helpers/fixtures.ts';

const key = testKey('verify');
const cert = signCertificate(sampleClaims(), key.kid, key.sign);
const qr = toQr(cert, BASE_URL);

describe('verify', () => {
  it('accepts the QR text, the lower-case URL, the bare digits and the JWS alike', () => {
    const keys = trust({ key });
    const digits = qr.text.slice(qr.text.indexOf('#') + 1);
    for (const [input, form] of [
      [qr.text, 'url'],
      [qr.url, 'url'],
      [`  ${qr.text}\n`, 'url'],
      [digits, 'digits'],
      [cert.jws, 'jws'],
    ] as const) {
      expect(verify(input, keys, { now: NOW })).toEqual({
        ok: true,
        claims: sampleClaims(),
        kid: key.kid,
        form,
        jws: cert.jws,
      });
    }
  });

  it('tolerates a device clock up to the skew behind, not beyond', () => {
    const keys = trust({ key });
    const issued = sampleClaims().iat;
    expect(verify(qr.text, keys, { now: issued - 299 }).ok).toBe(true);
    expect(verify(qr.text, keys, { now: new Date((issued - 299) * 1000) }).ok).toBe(true);
    expect(verify(qr.text, keys, { now: issued - 301 })).toMatchObject({
      ok: false,
      code: 'ISSUED_IN_FUTURE',
    });
    expect(verify(qr.text, keys, { now: issued - 1000, clockSkew: 1000 }).ok).toBe(true);
  });

  it('tells an unknown key from a key outside its window', () => {
    expect(verify(qr.text, trust({ key: testKey('other') }), { now: NOW })).toMatchObject({
      code: 'UNKNOWN_KEY',
    });
    expect(verify(qr.text, [], { now: NOW })).toMatchObject({ code: 'UNKNOWN_KEY' });
    const iat = sampleClaims().iat;
    expect(verify(qr.text, trust({ key, notAfter: iat - 1 }), { now: NOW })).toMatchObject({
      code: 'KEY_NOT_VALID_AT_ISSUE_TIME',
    });
    expect(verify(qr.text, trust({ key, notBefore: iat + 1 }), { now: NOW })).toMatchObject({
      code: 'KEY_NOT_VALID_AT_ISSUE_TIME',
    });
    expect(verify(qr.text, trust({ key, notBefore: iat, notAfter: iat }), { now: NOW }).ok).toBe(
      true,
    );
  });

  it('fails closed on a broken "now" or key set instead of throwing', () => {
    expect(verify(qr.text, trust({ key }), { now: Number.NaN })).toMatchObject({
      ok: false,
      code: 'MALFORMED',
    });
    const broken = [{ kid: key.kid, publicKey: new Uint8Array(3) }];
    expect(verify(cert.jws, broken, { now: NOW })).toMatchObject({ ok: false });
    expect(verify(qr.text, null as never, { now: NOW })).toMatchObject({ ok: false });
  });

  it.each([
    [undefined, 'NOT_A_CERTIFICATE'],
    [42, 'NOT_A_CERTIFICATE'],
    [{}, 'NOT_A_CERTIFICATE'],
    ['', 'NOT_A_CERTIFICATE'],
    ['ftp://x/#123', 'NOT_A_CERTIFICATE'],
    ['https://verify.hallmark.example/#', 'NOT_A_CERTIFICATE'],
    ['https://verify.hallmark.example/#12', 'MALFORMED'],
    ['https://verify.hallmark.example/?x=1#123', 'NOT_A_CERTIFICATE'],
    ['a.b.c', 'MALFORMED'],
    ['..', 'NOT_A_CERTIFICATE'],
    ['0'.repeat(7101), 'MALFORMED'],
  ])('rejects junk %j with %s', (input, code) => {
    expect(verify(input, trust({ key }), { now: NOW })).toMatchObject({ ok: false, code });
  });
});

describe('QR form', () => {
  it('segments: upper-case alphanumeric prefix, one byte for #, numeric payload', () => {
    expect(qr.segments.map((s) => s.mode)).toEqual(['alphanumeric', 'byte', 'numeric']);
    expect(qr.segments[0]!.data).toBe('HTTPS://VERIFY.HALLMARK.EXAMPLE/');
    expect(qr.text.startsWith('HTTPS://VERIFY.HALLMARK.EXAMPLE/#')).toBe(true);
    expect(qr.url.startsWith('https://verify.hallmark.example/#')).toBe(true);
  });

  it('keeps a case-sensitive path in byte mode and parses both cases', () => {
    const withPath = toQr(cert, 'https://brand.example/verify');
    expect(withPath.segments.map((s) => s.mode)).toEqual(['alphanumeric', 'byte', 'numeric']);
    expect(withPath.text.startsWith('HTTPS://BRAND.EXAMPLE/verify/#')).toBe(true);
    expect(fromQr(withPath.text).certificate.claims).toEqual(
      fromQr(withPath.url).certificate.claims,
    );
  });

  it('rebuilds the exact compact JWS from the QR text', () => {
    expect(toJws(qr.text, trust({ key }))).toBe(cert.jws);
    expect(() => toJws(qr.text, trust({ key: testKey('other') }))).toThrow(/no trusted key/);
  });

  it('refuses a base URL with a query or another scheme', () => {
    expect(() => toQr(cert, 'https://x.example/?a=1')).toThrow();
    expect(() => toQr(cert, 'javascript:alert(1)')).toThrow();
  });
});
