/** SHA-256 with Node's native one-shot hash, for the server's per-certificate hashing. */
import { hash } from 'node:crypto';

export const sha256 = (bytes: Uint8Array): Uint8Array => hash('sha256', bytes, 'buffer');

/** SHA-256 of a string's UTF-8 bytes, hashed from the string (no copy of it as bytes). */
export const sha256Text = (text: string): Uint8Array => hash('sha256', text, 'buffer');
