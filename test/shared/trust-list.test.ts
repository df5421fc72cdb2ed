/** The signed trust list: what it vouches for, and every way a changed or replayed list is refused. */
import { compactVerify, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { toBase64url, utf8 } from '../../shared/bytes.ts';
import { signCertificate } from '../../shared/certificate.ts';
import { keySetFromJwks } from '../../shared/keys.ts';
import { toQr } from '../../shared/qr.ts';
import { formatVerifierKey } from '../../shared/tlog/note.ts';
import { restoreTrustList } from '../../shared/trust-list-core.ts';
import {
  canonicalTrustListJson,
  keepTrustList,
  newerTrustList,
  signTrustList,
  verifyTrustList,
  type TrustListPayload,
} from '../../shared/trust-list.ts';
import { verify } from '../../shared/verify.ts';
import { BASE_URL, NOW, sampleClaims, testKey } from '../helpers/fixtures.ts';

const root = testKey('operator root');
const roots = keySetFromJwks({ keys: [root.publicJwk()] });
const hub = testKey('hub key');
const zen = testKey('zen key');
const x = (k: typeof hub) => toBase64url(k.publicKey);

const payload = (overrides: Partial<TrustListPayload> = {}): TrustListPayload => ({
  v: 1,
  seq: 3,
  iat: NOW - 60,
  brands: [
    {
      code: 'HUB',
      name: 'Hublot',
      url: 'https://verify.hublot.example/',
      keys: [{ x: x(hub), nbf: NOW - 86_400 }],
    },
    { code: 'ZEN', name: 'Zenith', keys: [{ x: x(zen), nbf: NOW - 86_400 }] },
  ],
  ...overrides,
});
const signed = (p: unknown = payload(), key = root) => signTrustList(p, key.kid, key.sign);

/** Re-encodes the payload of a signed list without re-signing it (what a tampering host can do). */
function tamper(jws: string, change: (p: TrustListPayload) => TrustListPayload): string {
  const [h, p, s] = jws.split('.') as [string, string, string];
  const body = JSON.parse(Buffer.from(p, 'base64url').toString()) as TrustListPayload;
  return `${h}.${toBase64url(utf8(canonicalTrustListJson(change(body))))}.${s}`;
}

const refused = (jws: string) =>
  expect(() => verifyTrustList(jws, roots)).toThrow(
    expect.objectContaining({ code: 'TRUST_LIST_INVALID' }),
  );

describe('trust list', () => {
  it('binds each key to its brand, with the name from the list', () => {
    const list = verifyTrustList(signed(), roots);
    expect(list.rootKid).toBe(root.kid);
    expect(list.keys.map((k) => [k.kid, k.brand, k.brandName])).toEqual([
      [hub.kid, 'HUB', 'Hublot'],
      [zen.kid, 'ZEN', 'Zenith'],
    ]);
    const cert = signCertificate(sampleClaims(), hub.kid, hub.sign);
    expect(verify(toQr(cert, BASE_URL).text, list.keys, { now: NOW })).toMatchObject({
      ok: true,
      brandName: 'Hublot',
    });
  });

  it('a key trusted for ZEN that signs a HUB certificate is refused with KEY_NOT_FOR_BRAND', () => {
    const list = verifyTrustList(signed(), roots);
    const forged = signCertificate(sampleClaims({ iss: 'HUB' }), zen.kid, zen.sign);
    for (const input of [toQr(forged, BASE_URL).text, forged.jws])
      expect(verify(input, list.keys, { now: NOW })).toMatchObject({
        ok: false,
        code: 'KEY_NOT_FOR_BRAND',
      });
    // A brand that is not on the list at all: its key is unknown.
    const stranger = testKey('stranger');
    const unknown = signCertificate(sampleClaims({ iss: 'ROLEX' }), stranger.kid, stranger.sign);
    expect(verify(unknown.jws, list.keys, { now: NOW })).toMatchObject({ code: 'UNKNOWN_KEY' });
  });

  it('is a standard JWS: jose verifies it with the root public key', async () => {
    const jws = signed();
    const { payload: bytes, protectedHeader } = await compactVerify(
      jws,
      await importJWK(root.publicJwk() as never, 'Ed25519'),
    );
    expect(protectedHeader).toEqual({ alg: 'Ed25519', kid: root.kid, typ: 'hallmark-trust+jwt' });
    expect(JSON.parse(Buffer.from(bytes).toString())).toEqual(
      JSON.parse(canonicalTrustListJson(payload())),
    );
  });

  it('refuses a changed name, an added key, a moved key, an added brand', () => {
    const jws = signed();
    refused(
      tamper(jws, (p) => ({ ...p, brands: p.brands.map((b) => ({ ...b, name: `${b.name}!` })) })),
    );
    refused(
      tamper(jws, (p) => ({
        ...p,
        brands: p.brands.map((b) =>
          b.code === 'HUB' ? { ...b, keys: [...b.keys, { x: x(testKey('attacker')), nbf: 0 }] } : b,
        ),
      })),
    );
    refused(
      tamper(jws, (p) => ({
        ...p,
        brands: p.brands.map((b) => ({
          ...b,
          keys: b.code === 'HUB' ? p.brands[1]!.keys : p.brands[0]!.keys,
        })),
      })),
    );
    refused(
      tamper(jws, (p) => ({
        ...p,
        brands: [
          ...p.brands,
          { code: 'EVIL', name: 'Evil', keys: [{ x: x(testKey('evil')), nbf: 0 }] },
        ],
      })),
    );
  });

  it('refuses a bad, missing or foreign signature, alg none, a wrong typ, a non-canonical payload', () => {
    const jws = signed();
    const [h, p, s] = jws.split('.') as [string, string, string];
    refused(`${h}.${p}.`);
    refused(`${h}.${p}`);
    refused(`${h}.${p}.${s.slice(0, -4)}AAAA`);
    refused(signed(payload(), testKey('not the root'))); // unknown root kid
    // Signed by another key that claims the root's kid.
    const impostor = testKey('impostor');
    refused(signTrustList(payload(), root.kid, impostor.sign));
    const b64 = (v: unknown) => toBase64url(utf8(JSON.stringify(v)));
    refused(`${b64({ alg: 'none', kid: root.kid, typ: 'hallmark-trust+jwt' })}.${p}.`);
    const input = (header: unknown, body: string) => `${b64(header)}.${toBase64url(utf8(body))}`;
    const sign = (i: string) => `${i}.${toBase64url(root.sign(utf8(i)))}`;
    refused(
      sign(
        input(
          { alg: 'Ed25519', kid: root.kid, typ: 'statuslist+jwt' },
          canonicalTrustListJson(payload()),
        ),
      ),
    );
    refused(
      sign(
        input(
          { alg: 'Ed25519', kid: root.kid, typ: 'hallmark-trust+jwt' },
          JSON.stringify(payload(), null, 1),
        ),
      ),
    );
    refused('not a list at all');
  });

  it('one key, one brand; one code, one entry', () => {
    const twice = payload({
      brands: [
        { code: 'HUB', name: 'Hublot', keys: [{ x: x(hub), nbf: 0 }] },
        { code: 'ZEN', name: 'Zenith', keys: [{ x: x(hub), nbf: 0 }] },
      ],
    });
    expect(() => signed(twice)).toThrow(expect.objectContaining({ code: 'TRUST_LIST_INVALID' }));
    const dup = payload({
      brands: [
        { code: 'HUB', name: 'Hublot', keys: [{ x: x(hub), nbf: 0 }] },
        { code: 'HUB', name: 'Other', keys: [{ x: x(zen), nbf: 0 }] },
      ],
    });
    expect(() => signed(dup)).toThrow(expect.objectContaining({ code: 'TRUST_LIST_INVALID' }));
    expect(() => signed({ ...payload(), brands: [{ code: 'h', name: '', keys: [] }] })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('never goes back: an older list is a rollback, a second list with the same seq a fork', () => {
    const three = verifyTrustList(signed(), roots);
    const four = verifyTrustList(signed(payload({ seq: 4 })), roots);
    expect(newerTrustList(three, four)).toBe(four);
    expect(newerTrustList(undefined, three)).toBe(three);
    expect(newerTrustList(four, verifyTrustList(signed(payload({ seq: 4 })), roots))).toBe(four);
    expect(() => newerTrustList(four, three)).toThrow(/older/);
    const fork = verifyTrustList(signed(payload({ seq: 4, brands: [] })), roots);
    expect(() => newerTrustList(four, fork)).toThrow(/two different/);
  });

  it('is kept marked strict only when every key passes the strict verifier’s public-key check', () => {
    const list = verifyTrustList(signed(), roots);
    expect(keepTrustList(list)).toEqual({
      jws: list.jws,
      rootKid: root.kid,
      kids: [hub.kid, zen.kid],
      strict: true,
    });
    // A point of small order (here the identity, y = 1) signs nothing noble accepts: a list
    // naming one is kept without the mark, and the page's first check leaves it to the full one.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const weak = verifyTrustList(
      signed(
        payload({
          brands: [{ code: 'HUB', name: 'Hublot', keys: [{ x: toBase64url(identity), nbf: 0 }] }],
        }),
      ),
      roots,
    );
    expect(keepTrustList(weak).strict).toBeUndefined();
    // Whoever kept it before says whether it is: the check is not made again.
    expect(keepTrustList(list, true).strict).toBe(true);
    expect(keepTrustList(list, false).strict).toBeUndefined();
  });

  it('comes back from its kept form as verified, its log policy read when first asked for', () => {
    const logKey = testKey('log key');
    const withLog = verifyTrustList(
      signed(
        payload({
          log: { key: formatVerifierKey('log.example/log', logKey.publicKey) },
        }),
      ),
      roots,
    );
    const restored = restoreTrustList(keepTrustList(withLog));
    expect(restored.keys).toEqual(withLog.keys);
    expect(Object.keys(restored)).toContain('log');
    expect(restored.log).toEqual(withLog.log);
    expect(restored.log?.origin).toBe('log.example/log');
    expect(restored.log).toBe(restored.log); // read once
    const without = restoreTrustList(keepTrustList(verifyTrustList(signed(), roots)));
    expect(without.log).toBeUndefined();
    expect(Object.keys(without)).not.toContain('log');
  });
});
