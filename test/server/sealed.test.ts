/**
 * Sealed secrets: AES-256-GCM under a key derived from the passphrase with scrypt. A process
 * derives each (passphrase, salt) once, and new seals under a passphrase reuse the salt of its
 * last derivation (the import opens a brand key and creates the status-index secret with one
 * scrypt, not two). Each blob keeps its own IV and its context as AAD.
 */
import { describe, expect, it } from 'vitest';
import { open, openAsync, seal, sealAsync, SealError } from '../../server/keys/sealed.ts';

const secret = (byte: number) => new Uint8Array(32).fill(byte);

describe('sealed secrets', () => {
  it('seals under one passphrase share a salt, not an IV; each opens only as itself', async () => {
    const passphrase = 'one passphrase for this test';
    const a = seal(secret(1), passphrase, 'kid-a');
    const b = await sealAsync(secret(2), passphrase, 'secret:b');
    expect(b.salt).toBe(a.salt);
    expect(b.iv).not.toBe(a.iv);
    expect(open(a, passphrase, 'kid-a')).toEqual(secret(1));
    expect(await openAsync(b, passphrase, 'secret:b')).toEqual(secret(2));
    // The context is bound: a blob moved onto another record does not open.
    expect(() => open(a, passphrase, 'secret:b')).toThrow(SealError);
    await expect(openAsync(b, passphrase, 'kid-a')).rejects.toThrow(SealError);
  });

  it('another passphrase gets its own salt, and opens nothing sealed under the first', async () => {
    const first = seal(secret(3), 'the first passphrase here', 'kid');
    const second = seal(secret(4), 'the second passphrase here', 'kid');
    expect(second.salt).not.toBe(first.salt);
    expect(() => open(first, 'the second passphrase here', 'kid')).toThrow(SealError);
    await expect(openAsync(second, 'the first passphrase here', 'kid')).rejects.toThrow(SealError);
    // The same passphrase in another Unicode normal form is the same passphrase (NFC).
    const composed = seal(secret(5), 'passphrase with é inside', 'kid');
    expect(open(composed, 'passphrase with e\u0301 inside', 'kid')).toEqual(secret(5));
  });

  it('a seal made while the derivation it reuses is still running waits for it', async () => {
    const passphrase = 'a passphrase opened and sealed at once';
    const made = seal(secret(6), passphrase, 'kid-made');
    const other = 'another passphrase, opened and sealed at once';
    const first = await sealAsync(secret(7), other, 'kid-first');
    // Both at once: the open derives, the seal reuses that derivation's salt.
    const [opened, sealed] = await Promise.all([
      openAsync(made, passphrase, 'kid-made'),
      sealAsync(secret(8), passphrase, 'secret:new'),
    ]);
    expect(opened).toEqual(secret(6));
    expect(sealed.salt).toBe(made.salt);
    expect(await openAsync(sealed, passphrase, 'secret:new')).toEqual(secret(8));
    expect(open(first, other, 'kid-first')).toEqual(secret(7));
  });

  it('a tampered salt, cost or tag is refused, never opened with a remembered key', () => {
    const passphrase = 'a passphrase for tampering';
    const sealed = seal(secret(9), passphrase, 'kid');
    const flip = (text: string) => (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
    expect(() => open({ ...sealed, salt: flip(sealed.salt) }, passphrase, 'kid')).toThrow(
      SealError,
    );
    expect(() => open({ ...sealed, N: sealed.N / 2 }, passphrase, 'kid')).toThrow(SealError);
    // A cost beyond the memory bound (the schema admits up to 2^20) is refused as such.
    expect(() => open({ ...sealed, N: sealed.N * 2 }, passphrase, 'kid')).toThrow(/scrypt cost/);
    expect(() => open({ ...sealed, tag: flip(sealed.tag) }, passphrase, 'kid')).toThrow(SealError);
    expect(() => open({ ...sealed, ct: flip(sealed.ct) }, passphrase, 'kid')).toThrow(SealError);
  });
});
