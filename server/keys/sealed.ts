/**
 * Secrets at rest: a private key sealed with AES-256-GCM under a key derived from a
 * passphrase with scrypt. The key id is bound as additional authenticated data, so a sealed
 * blob cannot be swapped onto another key's record.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scrypt,
  scryptSync,
} from 'node:crypto';
import { z } from 'zod';
import { fromBase64url, toBase64url, utf8 } from '../../shared/bytes.ts';

/** Thrown when a sealed secret cannot be opened: wrong passphrase or tampered data. */
export class SealError extends Error {
  override readonly name = 'SealError';
  readonly code = 'WRONG_PASSPHRASE_OR_TAMPERED';
}

import { MIN_PASSPHRASE_LENGTH } from './passphrase-rules.ts';
export { MIN_PASSPHRASE_LENGTH };

// scrypt cost: N=2^15, r=8 (RFC 7914 §2 interactive-login range; ~100 ms, 32 MiB here).
const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;
const SCRYPT_MAXMEM = 64 * 1024 * 1024;

export const sealedSchema = z.strictObject({
  v: z.literal(1),
  kdf: z.literal('scrypt'),
  N: z
    .number()
    .int()
    .min(1 << 14)
    .max(1 << 20),
  r: z.number().int().min(8).max(16),
  p: z.number().int().min(1).max(4),
  salt: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  iv: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
  ct: z.string().regex(/^[A-Za-z0-9_-]+$/),
  tag: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
});

/** A sealed secret as stored (JSON-safe). */
export type Sealed = z.infer<typeof sealedSchema>;

type Cost = { N: number; r: number; p: number };

/**
 * Keys derived in this process, by passphrase, salt and cost. A process opens and seals several
 * secrets under one passphrase (the import: its brand's key and the status-index secret), and
 * each scrypt costs 100-200 ms of a core; a new seal reuses the salt, and so the key, of the
 * last derivation under the same passphrase at the current cost (its own IV and AAD keep each
 * blob apart). A key is the passphrase's equal: held like the opened keys it protects, at most
 * DERIVED_MAX of them, never written anywhere.
 */
const derived = new Map<string, Buffer | Promise<Buffer>>();
const DERIVED_MAX = 256;
/** By passphrase digest: the salt of its last derivation at the current cost (SCRYPT). */
const lastSalt = new Map<string, Uint8Array>();

const digestOf = (passphrase: string) =>
  createHash('sha256').update(passphrase.normalize('NFC')).digest('base64url');

/** Where the key of `passphrase` over `salt` at `cost` is kept, and what is kept there. */
function lookUp(passphrase: string, salt: Uint8Array, cost: Cost) {
  const digest = digestOf(passphrase);
  const id = `${cost.N}.${cost.r}.${cost.p}.${toBase64url(salt)}.${digest}`;
  return { digest, id, known: derived.get(id) };
}

function remember(
  { digest, id }: { digest: string; id: string },
  salt: Uint8Array,
  cost: Cost,
  key: Buffer | Promise<Buffer>,
) {
  if (derived.size >= DERIVED_MAX) derived.delete(derived.keys().next().value!);
  derived.set(id, key);
  if (cost.N === SCRYPT.N && cost.r === SCRYPT.r && cost.p === SCRYPT.p) lastSalt.set(digest, salt);
}

function deriveKey(passphrase: string, salt: Uint8Array, cost: Cost): Buffer {
  const entry = lookUp(passphrase, salt, cost);
  if (entry.known instanceof Buffer) return entry.known;
  const key = scryptSync(passphrase.normalize('NFC'), salt, 32, {
    ...cost,
    maxmem: SCRYPT_MAXMEM,
  });
  remember(entry, salt, cost, key);
  return key;
}

function deriveKeyAsync(passphrase: string, salt: Uint8Array, cost: Cost): Promise<Buffer> {
  const entry = lookUp(passphrase, salt, cost);
  if (entry.known) return Promise.resolve(entry.known);
  const key = new Promise<Buffer>((resolve, reject) =>
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { N: cost.N, r: cost.r, p: cost.p, maxmem: SCRYPT_MAXMEM },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  remember(entry, salt, cost, key);
  // Settled, the entry holds the key itself (the synchronous path can use it), or goes.
  const settle = (result?: Buffer) => {
    if (derived.get(entry.id) !== key) return;
    if (result) derived.set(entry.id, result);
    else derived.delete(entry.id);
  };
  key.then(settle, () => settle());
  return key;
}

/** The salt for a new seal under `passphrase`: its last derivation's, else a fresh one. */
const saltFor = (passphrase: string) => lastSalt.get(digestOf(passphrase)) ?? randomBytes(16);

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
