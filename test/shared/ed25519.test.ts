/** Our strict verifier and @noble/ed25519's `verify(…, { zip215: false })` give the same answer, always. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ed from '@noble/ed25519';
import { nobleStrict } from '../helpers/noble.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, utf8 } from '../../shared/bytes.ts';
import { ed25519VerifyStrict, verifyWithLadder } from '../../shared/ed25519.ts';

const noble = nobleStrict;
const vectors = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'external');
const load = <T>(name: string) => JSON.parse(readFileSync(join(vectors, name), 'utf8')) as T;

describe('ed25519VerifyStrict ≡ noble strict verify', () => {
  it('on every external vector', () => {
    const cases: [Uint8Array, Uint8Array, Uint8Array][] = [];
    for (const v of load<{ pub: string; msg: string; sig: string }[]>('rfc8032-ed25519.json'))
      cases.push([fromHex(v.sig), fromHex(v.msg), fromHex(v.pub)]);
    for (const g of load<{
      testGroups: { publicKey: { pk: string }; tests: { msg: string; sig: string }[] }[];
    }>('wycheproof_ed25519_test.json').testGroups)
      for (const t of g.tests)
        cases.push([fromHex(t.sig), fromHex(t.msg), fromHex(g.publicKey.pk)]);
    for (const c of load<{ message: string; pub_key: string; signature: string }[]>(
      'noble_edge-cases.json',
    ))
      cases.push([fromHex(c.signature), fromHex(c.message), fromHex(c.pub_key)]);
    for (const c of load<{ vk_bytes: string; sig_bytes: string }[]>('noble_zip215.json'))
      cases.push([fromHex(c.sig_bytes), utf8('Zcash'), fromHex(c.vk_bytes)]);
    expect(cases.length).toBeGreaterThan(350);
    // The ladder (what the page uses for its first verifications) on every vector.
    for (const [sig, msg, pk] of cases)
      expect(verifyWithLadder(sig, msg, pk)).toBe(noble(sig, msg, pk));
  });

  it("matches Wycheproof's own verdicts, an answer that is not noble's", () => {
    let checked = 0;
    for (const g of load<{
      testGroups: {
        publicKey: { pk: string };
        tests: { tcId: number; msg: string; sig: string; result: string }[];
      }[];
    }>('wycheproof_ed25519_test.json').testGroups)
      for (const t of g.tests) {
        if (t.result === 'acceptable') continue; // either answer is allowed there
        const args = [fromHex(t.sig), fromHex(t.msg), fromHex(g.publicKey.pk)] as const;
        expect(verifyWithLadder(...args), `tcId ${t.tcId}`).toBe(t.result === 'valid');
        expect(ed25519VerifyStrict(...args), `tcId ${t.tcId}`).toBe(t.result === 'valid');
        checked++;
      }
    expect(checked).toBeGreaterThan(140);
  });

  it('on random valid signatures and every kind of corruption', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.constantFrom('none', 'sig', 'msg', 'pk', 'sOverflow'),
        (seed, msg, n, mutation) => {
          const pk = ed.getPublicKey(seed);
          const sig = ed.sign(msg, seed);
          const m = Uint8Array.from(msg);
          if (mutation === 'sig') sig[n % 64]! ^= 1 << (n % 8);
          if (mutation === 'msg' && m.length > 0) m[n % m.length]! ^= 1;
          if (mutation === 'pk') pk[n % 32]! ^= 1 << (n % 8);
          if (mutation === 'sOverflow') sig[63] = 0xf0; // S ≥ L
          const ours = verifyWithLadder(sig, m, pk);
          expect(ours).toBe(noble(sig, m, pk));
          if (mutation === 'none') expect(ours).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns false, never throws, on junk', () => {
    for (const [s, m, p] of [
      [new Uint8Array(63), new Uint8Array(0), new Uint8Array(32)],
      [new Uint8Array(64), new Uint8Array(0), new Uint8Array(31)],
      [new Uint8Array(64).fill(255), new Uint8Array(1), new Uint8Array(32).fill(255)],
      ['x', 'y', 'z'],
    ] as [Uint8Array, Uint8Array, Uint8Array][]) {
      expect(verifyWithLadder(s, m, p)).toBe(false);
      expect(ed25519VerifyStrict(s, m, p)).toBe(false);
    }
  });
});
