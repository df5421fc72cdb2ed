/**
 * Bytes ⇄ decimal digits, for QR numeric mode (10 bits per 3 digits, ~3.33 bits a digit).
 *
 * Bytes are taken 7 at a time (56 bits) and each group is written as exactly 17 digits
 * (10^17 > 2^56). A final group of k < 7 bytes takes the fewest digits that can hold 2^(8k)-1.
 * The mapping is a bijection onto its valid inputs: every group value must be below 2^(8k),
 * and the digit count fixes the byte count, so one byte string has exactly one digit string
 * and any other digit string is rejected (which keeps the QR text non-malleable).
 */

const GROUP_BYTES = 7;
const GROUP_DIGITS = 17;
/** Digits for a final group of k bytes, k = 0..6: ceil(8k · log10 2). */
const PARTIAL_DIGITS = [0, 3, 5, 8, 10, 13, 15] as const;

/** Number of digits `bytesToDigits` produces for `length` bytes. */
export function digitLength(length: number): number {
  return Math.floor(length / GROUP_BYTES) * GROUP_DIGITS + PARTIAL_DIGITS[length % GROUP_BYTES]!;
}

/** Writes bytes as decimal digits (see the module comment for the layout). */
export function bytesToDigits(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += GROUP_BYTES) {
    const end = Math.min(i + GROUP_BYTES, bytes.length);
    let value = 0n;
    for (let j = i; j < end; j++) value = (value << 8n) | BigInt(bytes[j]!);
    const width = end - i === GROUP_BYTES ? GROUP_DIGITS : PARTIAL_DIGITS[end - i]!;
    out += value.toString().padStart(width, '0');
  }
  return out;
}

/**
 * Reads digits written by `bytesToDigits`. Throws on a non-digit, on a length no byte
 * string produces, or on a group whose value does not fit its byte count.
 */
export function digitsToBytes(digits: string): Uint8Array {
  if (!/^[0-9]*$/.test(digits)) throw new Error('digits: only 0-9 allowed');
  const fullGroups = Math.floor(digits.length / GROUP_DIGITS);
  const restDigits = digits.length - fullGroups * GROUP_DIGITS;
  const restBytes = PARTIAL_DIGITS.indexOf(restDigits as (typeof PARTIAL_DIGITS)[number]);
  if (restBytes < 0) throw new Error(`digits: impossible length ${digits.length}`);
  const out = new Uint8Array(fullGroups * GROUP_BYTES + restBytes);
  let o = 0;
  let d = 0;
  for (let g = 0; g <= fullGroups; g++) {
    const nBytes = g < fullGroups ? GROUP_BYTES : restBytes;
    const nDigits = g < fullGroups ? GROUP_DIGITS : restDigits;
    if (nBytes === 0) break;
    let value = BigInt(digits.slice(d, d + nDigits));
    d += nDigits;
    if (value >> BigInt(8 * nBytes) !== 0n) throw new Error(`digits: group ${g} out of range`);
    for (let j = nBytes - 1; j >= 0; j--) {
      out[o + j] = Number(value & 0xffn);
      value >>= 8n;
    }
    o += nBytes;
  }
  return out;
}
