/**
 * What the issuance log holds for a certificate: `0x01 || SHA-256(compact JWS)`, 33 bytes.
 * The hash commits to the whole certificate (claims, key id and signature), so whoever holds
 * the certificate computes its leaf and proves its inclusion, while the log itself publishes
 * no serial, no claim, no brand and no key: a hash of data that includes a 64-byte signature
 * cannot be guessed from a list of plausible serials.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../bytes.ts';
import { leafHash } from './merkle.ts';

/** The entry type byte of a certificate (leaves of other types may come later). */
export const CERTIFICATE_ENTRY = 0x01;
export const ENTRY_BYTES = 33;

/**
 * The log entry of a certificate, from its compact JWS. `hashText` is SHA-256 of a string's
 * UTF-8 bytes (the server passes Node's native one, which hashes the string as it is: this
 * runs for every certificate issued).
 */
export function certificateEntry(
  jws: string,
  hashText: (text: string) => Uint8Array = (text) => sha256(utf8(text)),
): Uint8Array {
  const entry = new Uint8Array(ENTRY_BYTES);
  entry[0] = CERTIFICATE_ENTRY;
  entry.set(hashText(jws), 1);
  return entry;
}

/** The Merkle leaf hash of a certificate's entry. */
export function certificateLeaf(jws: string): Uint8Array {
  return leafHash(certificateEntry(jws));
}
