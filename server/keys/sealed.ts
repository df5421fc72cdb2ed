/**
 * Secrets at rest: a private key sealed with AES-256-GCM under a key derived from a
 * passphrase with scrypt. The key id is bound as additional authenticated data, so a sealed
 * blob cannot be swapped onto another key's record.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { fromBase64url, toBase64url, utf8 } from '../../shared/bytes.ts';
import {
  COST_LIMITS,
  deriveKey,
  deriveKeyAsync,
  SALT_PATTERN,
  saltFor,
  SCRYPT,
  SCRYPT_MAXMEM,
} from './kdf.ts';

/** Thrown when a sealed secret cannot be opened: wrong passphrase or tampered data. */
export class SealError extends Error {
  override readonly name = 'SealError';
  readonly code = 'WRONG_PASSPHRASE_OR_TAMPERED';
}

import { MIN_PASSPHRASE_LENGTH } from './passphrase-rules.ts';
export { MIN_PASSPHRASE_LENGTH };

export const sealedSchema = z.strictObject({
  v: z.literal(1),
  kdf: z.literal('scrypt'),
  N: z.number().int().min(COST_LIMITS.N[0]).max(COST_LIMITS.N[1]),
  r: z.number().int().min(COST_LIMITS.r[0]).max(COST_LIMITS.r[1]),
  p: z.number().int().min(COST_LIMITS.p[0]).max(COST_LIMITS.p[1]),
  salt: z.string().regex(SALT_PATTERN),
  iv: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
  ct: z.string().regex(/^[A-Za-z0-9_-]+$/),
  tag: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
});

/** A sealed secret as stored (JSON-safe). */
export type Sealed = z.infer<typeof sealedSchema>;

/** Seals `secret` under `passphrase`, binding `context` (the key id) as AAD. */
export function seal(secret: Uint8Array, passphrase: string, context: string): Sealed {
  checkPassphrase(passphrase);
  const salt = saltFor(passphrase);
  return encrypt(secret, deriveKey(passphrase, salt, SCRYPT), salt, context);
}

/**
 * `seal`, with scrypt on libuv's thread pool: this thread goes on meanwhile (the importer
 * creates a missing registry secret while it reads its first rows).
 */
export async function sealAsync(
  secret: Uint8Array,
  passphrase: string,
  context: string,
): Promise<Sealed> {
  checkPassphrase(passphrase);
  const salt = saltFor(passphrase);
  return encrypt(secret, await deriveKeyAsync(passphrase, salt, SCRYPT), salt, context);
}

function checkPassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new Error(`the key passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
}

function encrypt(secret: Uint8Array, key: Buffer, salt: Uint8Array, context: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(utf8(context));
  const ct = Buffer.concat([cipher.update(secret), cipher.final()]);
  return {
    v: 1,
    kdf: 'scrypt',
    ...SCRYPT,
    salt: toBase64url(salt),
    iv: toBase64url(iv),
    ct: toBase64url(ct),
    tag: toBase64url(cipher.getAuthTag()),
  };
}

/** Opens a sealed secret. @throws SealError on a wrong passphrase or any tampering. */
export function open(sealed: unknown, passphrase: string, context: string): Uint8Array {
  const s = sealedSchema.parse(sealed);
  let key: Buffer;
  try {
    key = deriveKey(passphrase, fromBase64url(s.salt), s);
  } catch (error) {
    throw beyondCost(error);
  }
  return decrypt(s, key, context);
}

/** A cost the schema admits but this process's scrypt memory bound refuses: not opened. */
function beyondCost(error: unknown): SealError {
  return new SealError(
    `cannot open the private key: its scrypt cost is beyond this build's ${SCRYPT_MAXMEM / 1024 / 1024} MiB (${(error as Error).message})`,
  );
}

/**
 * `open`, with scrypt on libuv's thread pool: this thread goes on meanwhile (the importer
 * reads its first rows while the keys it will need are opened).
 */
export async function openAsync(
  sealed: unknown,
  passphrase: string,
  context: string,
): Promise<Uint8Array> {
  const s = sealedSchema.parse(sealed);
  let key: Buffer;
  try {
    key = await deriveKeyAsync(passphrase, fromBase64url(s.salt), s);
  } catch (error) {
    throw beyondCost(error);
  }
  return decrypt(s, key, context);
}

function decrypt(s: Sealed, key: Buffer, context: string): Uint8Array {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, fromBase64url(s.iv));
    decipher.setAAD(utf8(context));
    decipher.setAuthTag(fromBase64url(s.tag));
    return new Uint8Array(Buffer.concat([decipher.update(fromBase64url(s.ct)), decipher.final()]));
  } catch {
    throw new SealError('cannot open the private key: wrong passphrase or damaged key data');
  }
}
