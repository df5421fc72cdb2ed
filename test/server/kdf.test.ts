/**
 * The passphrase's keys, derived once per thread. `warmUp` starts the derivation a sealed blob
 * will need, read without its schema (the import thread does it before it loads the registry):
 * the open that follows derives nothing again; anything unexpected starts nothing and throws
 * nothing, and a failed or wrong warm-up changes no verdict of the open.
 */
import { describe, expect, it } from 'vitest';
import { derivationsStarted, warmUp } from '../../server/keys/kdf.ts';
import { open, openAsync, seal, SealError } from '../../server/keys/sealed.ts';

const secret = new Uint8Array(32).fill(7);

describe('warming a passphrase key up', () => {
  it('starts the derivation once; the opens that follow join it and derive nothing again', async () => {
    const passphrase = 'warm-up passphrase, the right one';
    const sealed = seal(secret, passphrase, 'kid-warm'); // derives for its salt
    // The same blob under a salt this thread has not derived for (its tag was made under the
    // other salt: it opens to SealError, but with the warmed key).
    const other = { ...sealed, salt: 'AAAAAAAAAAAAAAAAAAAAAA' };
    const before = derivationsStarted();
    warmUp(other, passphrase);
    expect(derivationsStarted()).toBe(before + 1);
    await expect(openAsync(other, passphrase, 'kid-warm')).rejects.toThrow(SealError);
    expect(() => open(other, passphrase, 'kid-warm')).toThrow(SealError);
    warmUp(sealed, passphrase);
    expect(await openAsync(sealed, passphrase, 'kid-warm')).toEqual(secret);
    expect(derivationsStarted()).toBe(before + 1);
  });

  it('junk starts nothing and throws nothing', () => {
    const good = seal(secret, 'a passphrase for junk tests', 'kid-junk');
    const before = derivationsStarted();
    for (const junk of [
      undefined,
      null,
      42,
      'text',
      {},
      { ...good, salt: 'short' },
      { ...good, salt: 'BBBBBBBBBBBBBBBBBBBBBB' }, // the pattern, but not canonical base64url
      { ...good, salt: 1234 },
      { ...good, N: 1000 },
      { ...good, N: 1 << 21 },
      { ...good, N: '32768' },
      { ...good, r: 7 },
      { ...good, p: 5 },
      { ...good, p: 1.5 },
    ])
      expect(() => warmUp(junk, 'a passphrase for junk tests')).not.toThrow();
    expect(derivationsStarted()).toBe(before);
  });

  it('a warm-up that fails (a cost beyond the memory bound) leaves the open to fail as itself', async () => {
    const passphrase = 'a passphrase for a costly blob';
    const costly = { ...seal(secret, passphrase, 'kid-costly'), N: 1 << 20, r: 16 };
    warmUp(costly, passphrase);
    await expect(openAsync(costly, passphrase, 'kid-costly')).rejects.toThrow(/beyond/);
    expect(() => open(costly, passphrase, 'kid-costly')).toThrow(/beyond/);
  });

  it('a warm-up under a wrong passphrase changes nothing for the right one', async () => {
    const sealed = seal(secret, 'the right passphrase here', 'kid-right');
    const moved = { ...sealed, salt: 'CCCCCCCCCCCCCCCCCCCCCA' };
    warmUp(moved, 'a wrong passphrase, warmed');
    await expect(openAsync(moved, 'a wrong passphrase, warmed', 'kid-right')).rejects.toThrow(
      SealError,
    );
    expect(await openAsync(sealed, 'the right passphrase here', 'kid-right')).toEqual(secret);
  });
});
