/** SHA-256 with Node's native one-shot hash, for the server's per-certificate hashing. */
import { hash } from 'node:crypto';

export const sha256 = (bytes: Uint8Array): Uint8Array => hash('sha256', bytes, 'buffer');
