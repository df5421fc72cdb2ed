/**
 * Writes one fixture file per defect into this folder, named `<EXPECTED CODE>--<defect>.json`
 * (or `OK--…` for inputs that must verify), plus `jwks.json`, the trusted keys they are
 * judged against. Deterministic: run `npm run fixtures:defects` and git shows no change.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toBase64url, utf8 } from '../../../shared/bytes.ts';
import { canonicalClaimsJson, type Claims } from '../../../shared/claims.ts';
import { signCertificate } from '../../../shared/certificate.ts';
import { bytesToDigits, digitsToBytes } from '../../../shared/digits.ts';
import { toQr } from '../../../shared/qr.ts';
import { BASE_URL, NOW, sampleClaims, testKey } from '../../helpers/fixtures.ts';

const here = dirname(fileURLToPath(import.meta.url));
const trusted = testKey('trusted');
const retired = testKey('retired');
const stranger = testKey('stranger');
// Trusted, but for another brand (ZEN): it must not sign HUB's certificates.
const otherBrand = testKey('other brand');
const RETIRED_AT = NOW - 86_400 * 30;

const b64json = (value: unknown) => toBase64url(utf8(typeof value === 'string' ? value : JSON.stringify(value)));
function rawJws(header: unknown, payload: string, key = trusted): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${toBase64url(key.sign(utf8(input)))}`;
}
const header = (alg: string, kid = trusted.kid) => ({ alg, kid });
const cert = (claims: Claims = sampleClaims(), key = trusted) => signCertificate(claims, key.kid, key.sign);
const qrText = (claims?: Claims, key = trusted) => toQr(cert(claims, key), BASE_URL).text;

/** Changes one digit inside the signature's last full 17-digit group without leaving its range. */
function alterDigit(text: string): string {
  const hash = text.indexOf('#');
  const digits = text.slice(hash + 1);
  const i = digits.length - 20;
  const d = Number(digits[i]);
  const altered = digits.slice(0, i) + String(d === 0 ? 1 : d - 1) + digits.slice(i + 1);
  digitsToBytes(altered); // still well-formed digits: the signature check must catch it
  return text.slice(0, hash + 1) + altered;
}

const good = cert();
const goodQr = qrText();
const [h, p] = good.jws.split('.') as [string, string, string];
const versionTwo = digitsToBytes(goodQr.slice(goodQr.indexOf('#') + 1));
versionTwo[0] = 2;

const defects: Record<string, { description: string; input: string; now?: number }> = {
  'OK--qr-url': { description: 'a certificate as printed in the QR code', input: goodQr },
  'OK--lower-case-url': { description: 'the same link as a phone opens it (lower-case host)', input: toQr(good, BASE_URL).url },
  'OK--compact-jws': { description: 'the standard compact JWS', input: good.jws },
  'OK--eddsa-header': {
    description: 'RFC 8037 polymorphic "EdDSA" algorithm name, still accepted when verifying',
    input: rawJws(header('EdDSA'), canonicalClaimsJson(sampleClaims())),
  },
  'OK--within-clock-skew': {
    description: 'issued 4 minutes "in the future" for a phone whose clock is behind',
    input: qrText(sampleClaims({ iat: NOW + 240 })),
  },
  'SIGNATURE_INVALID--tampered-payload': {
    description: 'JWS payload changed to another serial, signature kept',
    input: `${h}.${b64json(canonicalClaimsJson(sampleClaims({ sn: 'HB26A0099999' })))}.${good.jws.split('.')[2]}`,
  },
  'SIGNATURE_INVALID--altered-digit': { description: 'one digit of the QR signature changed', input: alterDigit(goodQr) },
  'SIGNATURE_INVALID--swapped-signature': {
    description: 'the signature of another watch pasted on',
    input: `${h}.${p}.${cert(sampleClaims({ sn: 'HB26A0000001' })).jws.split('.')[2]}`,
  },
  'UNKNOWN_KEY--wrong-kid': {
    description: 'header names a key id that is not in the trusted set',
    input: rawJws(header('Ed25519', stranger.kid), canonicalClaimsJson(sampleClaims())),
  },
  'UNKNOWN_KEY--untrusted-signer': { description: 'a QR signed by a key nobody trusts', input: qrText(sampleClaims(), stranger) },
  'UNKNOWN_KEY--no-kid': {
    description: 'header without kid',
    input: rawJws({ alg: 'Ed25519' }, canonicalClaimsJson(sampleClaims())),
  },
  'KEY_NOT_VALID_AT_ISSUE_TIME--issued-after-retirement': {
    description: 'signed by the retired key with an issue time after its window closed',
    input: qrText(sampleClaims({ iat: RETIRED_AT + 60 }), retired),
  },
  'OK--issued-before-retirement': {
    description: 'a retired key still verifies what it signed while in service',
    input: qrText(sampleClaims({ iat: RETIRED_AT - 60 }), retired),
  },
  'ISSUED_IN_FUTURE--dated-tomorrow': {
    description: 'issue time a day ahead of the verifier clock',
    input: qrText(sampleClaims({ iat: NOW + 86_400 })),
  },
  'BAD_ALGORITHM--alg-none': {
    description: 'unsecured JWS (alg none, empty signature)',
    input: `${b64json({ alg: 'none', kid: trusted.kid })}.${p}.`,
  },
  'BAD_ALGORITHM--alg-hs256': {
    description: 'HMAC algorithm (key confusion attempt)',
    input: `${b64json(header('HS256'))}.${p}.${good.jws.split('.')[2]}`,
  },
  'BAD_ALGORITHM--alg-es256': {
    description: 'another asymmetric algorithm',
    input: `${b64json(header('ES256'))}.${p}.${good.jws.split('.')[2]}`,
  },
  'MALFORMED--truncated-url': { description: 'QR URL cut short', input: goodQr.slice(0, goodQr.length - 40) },
  'MALFORMED--truncated-jws-signature': {
    description: 'JWS signature cut short',
    input: good.jws.slice(0, good.jws.length - 10),
  },
  'MALFORMED--non-digit-fragment': {
    description: 'letters in the fragment',
    input: `${goodQr.slice(0, goodQr.length - 30)}ABC${goodQr.slice(goodQr.length - 27)}`,
  },
  'MALFORMED--digit-group-out-of-range': {
    description: 'a 17-digit group above 2^56 (not produced by any byte string)',
    input: `${goodQr.slice(0, goodQr.indexOf('#') + 1)}99999999999999999${goodQr.slice(goodQr.indexOf('#') + 18)}`,
  },
  'MALFORMED--oversized': { description: '8,000 digits', input: `${BASE_URL}#${'1'.repeat(8000)}` },
  'MALFORMED--non-canonical-payload': {
    description: 'validly signed JSON with whitespace (not the canonical form Hallmark signs)',
    input: rawJws(header('Ed25519'), JSON.stringify(sampleClaims(), null, 1)),
  },
  'MALFORMED--crit-header': {
    description: 'a crit header parameter (RFC 7515 §4.1.11)',
    input: rawJws({ alg: 'Ed25519', kid: trusted.kid, crit: ['exp'], exp: 1 }, canonicalClaimsJson(sampleClaims())),
  },
  'MALFORMED--padded-base64': { description: 'base64 padding in the JWS', input: `${h}=.${p}.${good.jws.split('.')[2]}` },
  'UNSUPPORTED_VERSION--format-2': {
    description: 'compact form declaring format version 2',
    input: `${BASE_URL}#${bytesToDigits(versionTwo)}`,
  },
  'CLAIMS_INVALID--impossible-date': {
    description: 'trusted key signed claims with 2026-02-30 (the schema still refuses them)',
    input: rawJws(header('Ed25519'), canonicalClaimsJson(sampleClaims({ mfd: '2026-02-30' }))),
  },
  'CLAIMS_INVALID--unknown-claim': {
    description: 'trusted key signed claims with an extra member',
    input: rawJws(header('Ed25519'), JSON.stringify({ ...sampleClaims(), owner: 'x' })),
  },
  'KEY_NOT_FOR_BRAND--key-of-another-brand': {
    description: "brand ZEN's trusted key signs a certificate that claims iss HUB (a forgery across brands)",
    input: qrText(sampleClaims(), otherBrand),
  },
  'KEY_NOT_FOR_BRAND--key-of-another-brand-jws': {
    description: "the same forgery as a compact JWS",
    input: cert(sampleClaims(), otherBrand).jws,
  },
  'OK--brand-with-its-own-key': {
    description: "brand ZEN's certificate signed by ZEN's key",
    input: qrText(sampleClaims({ iss: 'ZEN', sn: 'ZEN0000001' }), otherBrand),
  },
  'NOT_A_CERTIFICATE--plain-url': { description: 'a web link with no certificate', input: 'https://www.hallmark.example/' },
  'NOT_A_CERTIFICATE--text': { description: 'free text', input: 'hello, is this genuine?' },
  'NOT_A_CERTIFICATE--empty': { description: 'nothing scanned', input: '' },
};

for (const file of readdirSync(here)) if (file.endsWith('.json')) rmSync(join(here, file));
const jwks = {
  keys: [
    { ...trusted.publicJwk({ notBefore: NOW - 86_400 * 365 }), brand: 'HUB' },
    { ...retired.publicJwk({ notBefore: NOW - 86_400 * 400, notAfter: RETIRED_AT }), brand: 'HUB' },
    { ...otherBrand.publicJwk({ notBefore: NOW - 86_400 * 365 }), brand: 'ZEN' },
  ],
};
writeFileSync(join(here, 'jwks.json'), `${JSON.stringify(jwks, null, 2)}\n`);
for (const [name, fixture] of Object.entries(defects)) {
  writeFileSync(join(here, `${name}.json`), `${JSON.stringify({ now: NOW, ...fixture }, null, 2)}\n`);
}
process.stdout.write(`wrote ${Object.keys(defects).length} fixtures and jwks.json to ${here}\n`);
