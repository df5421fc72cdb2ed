import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToDigits, digitLength, digitsToBytes } from '../../shared/digits.ts';
import { fromBase64url, toBase64url } from '../../shared/bytes.ts';

describe('bytes ⇄ digits', () => {
  it('round-trips any byte string, with the predicted length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const digits = bytesToDigits(bytes);
        expect(digits).toMatch(/^[0-9]*$/);
        expect(digits).toHaveLength(digitLength(bytes.length));
        expect(digitsToBytes(digits)).toEqual(bytes);
      }),
    );
  });

  it('keeps leading zero bytes', () => {
    expect(digitsToBytes(bytesToDigits(new Uint8Array([0, 0, 1])))).toEqual(
      new Uint8Array([0, 0, 1]),
    );
  });

  it('refuses lengths no byte string produces, non-digits and out-of-range groups', () => {
    expect(() => digitsToBytes('1')).toThrow(/impossible length/);
    expect(() => digitsToBytes('12a')).toThrow(/only 0-9/);
    expect(() => digitsToBytes('256')).toThrow(/out of range/);
    expect(() => digitsToBytes('99999999999999999')).toThrow(/out of range/);
  });

  it('is injective: every accepted digit string maps back to itself', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{0,60}$/), (digits) => {
        let bytes: Uint8Array;
        try {
          bytes = digitsToBytes(digits);
        } catch {
          return;
        }
        expect(bytesToDigits(bytes)).toBe(digits);
      }),
    );
  });
});

describe('base64url', () => {
  it('matches Node for any bytes and refuses non-canonical text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64url(text)).toEqual(bytes);
      }),
    );
    expect(() => fromBase64url('AB==')).toThrow();
    expect(() => fromBase64url('AB')).toThrow(/non-canonical/); // 'AA' is the canonical form of [0]
    expect(() => fromBase64url('A')).toThrow(/impossible length/);
    expect(() => fromBase64url('a+b/')).toThrow(/invalid character/);
  });
});

describe('portable and native base64url agree', () => {
  it('for any bytes and any text', async () => {
    const { portableBase64url, textToBase64url, utf8 } = await import('../../shared/bytes.ts');
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.string({ unit: 'grapheme', maxLength: 50 }),
        (bytes, text) => {
          expect(portableBase64url(bytes)).toBe(toBase64url(bytes));
          expect(textToBase64url(text)).toBe(portableBase64url(utf8(text)));
        },
      ),
    );
  });
});
