/**
 * The passphrase's keys: scrypt derivations, kept per thread (a module instance) so that each
 * (passphrase, salt, cost) is derived once. No schema library here: the import thread starts a
 * derivation from it before it loads the registry's modules (scripts/cli/import-key-warm.ts).
 * sealed.ts seals and opens with these keys.
 */
import { createHash, randomBytes, scrypt, scryptSync } from 'node:crypto';
import { fromBase64url, toBase64url } from '../../shared/bytes.ts';

// scrypt cost: N=2^15, r=8 (RFC 7914 §2 interactive-login range; ~100 ms, 32 MiB here).
export const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;
export const SCRYPT_MAXMEM = 64 * 1024 * 1024;

/** A sealed secret's salt, as stored (16 bytes, base64url). */
export const SALT_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** The costs a sealed secret may state, [min, max] (sealed.ts's schema holds blobs to them). */
export const COST_LIMITS = { N: [1 << 14, 1 << 20], r: [8, 16], p: [1, 4] } as const;

export type Cost = { N: number; r: number; p: number };

/**
 * Keys derived in this thread, by passphrase, salt and cost. A thread opens and seals several
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

/** Derivations this thread has started (for tests and benchmarks: was a key derived twice?). */
let started = 0;
export const derivationsStarted = () => started;

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

export function deriveKey(passphrase: string, salt: Uint8Array, cost: Cost): Buffer {
  const entry = lookUp(passphrase, salt, cost);
  if (entry.known instanceof Buffer) return entry.known;
  started++;
  const key = scryptSync(passphrase.normalize('NFC'), salt, 32, {
    ...cost,
    maxmem: SCRYPT_MAXMEM,
  });
  remember(entry, salt, cost, key);
  return key;
}

export function deriveKeyAsync(passphrase: string, salt: Uint8Array, cost: Cost): Promise<Buffer> {
  const entry = lookUp(passphrase, salt, cost);
  if (entry.known) return Promise.resolve(entry.known);
  started++;
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
export const saltFor = (passphrase: string) =>
  lastSalt.get(digestOf(passphrase)) ?? randomBytes(16);

/**
 * Starts, off this thread, the derivation that opening `sealed` (a stored sealed blob, read
 * without its schema) under `passphrase` will need, so that the open finds it done. A hint
 * only: anything unexpected starts nothing, and a failed derivation leaves the cache as it was
 * (the open then derives again, and reports what fails).
 */
export function warmUp(sealed: unknown, passphrase: string): void {
  const { salt, N, r, p } = (sealed ?? {}) as Record<string, unknown>;
  const within = (v: unknown, [min, max]: readonly [number, number]) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
  if (
    typeof salt !== 'string' ||
    !SALT_PATTERN.test(salt) ||
    !within(N, COST_LIMITS.N) ||
    !within(r, COST_LIMITS.r) ||
    !within(p, COST_LIMITS.p)
  )
    return;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64url(salt); // refuses a non-canonical encoding, as the open would
  } catch {
    return;
  }
  deriveKeyAsync(passphrase, bytes, {
    N: N as number,
    r: r as number,
    p: p as number,
  }).catch(() => undefined);
}
