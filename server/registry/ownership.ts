/**
 * Ownership without personal data. A one-time code (claim code in the box, or a transfer code
 * from the current owner) lets its holder register as the owner; the registry keeps only
 * hashes, the number of owners and the date of the last transfer. Codes carry 100 bits and
 * five wrong guesses lock a watch's codes for 15 minutes, on top of per-address rate limits.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U
export const MAX_FAILED_ATTEMPTS = 5;
export const LOCK_SECONDS = 15 * 60;

/** A fresh code: 20 base32 characters (100 bits) as XXXXX-XXXXX-XXXXX-XXXXX. */
export function newCode(): string {
  const bytes = randomBytes(20);
  let out = '';
  for (let i = 0; i < 20; i++) out += ALPHABET[bytes[i]! & 31];
  return out.match(/.{5}/g)!.join('-');
}

/** Normalises typed codes: case, dashes and spaces, and the letters people confuse with digits. */
export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

const digest = (text: string) => hash('sha256', text, 'buffer') as unknown as Buffer;
const sameHash = (a: Buffer | null, b: Buffer) =>
  a !== null && a.length === b.length && timingSafeEqual(a, b);

export type ClaimFailure = 'locked' | 'wrong_code' | 'no_code';
export class OwnershipError extends Error {
  constructor(
    readonly reason: ClaimFailure | 'wrong_owner_key' | 'no_owner',
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

interface Row {
  owners: number;
  last_transfer_at: number | null;
  owner_key_hash: Buffer | null;
  code_hash: Buffer | null;
  code_kind: 'claim' | 'transfer' | null;
  failed_attempts: number;
  locked_until: number | null;
}

/** A transaction's result: failures are returned, so what they record (attempts) commits. */
type Outcome<T> = { value: T } | { error: OwnershipError };
function settle<T>(outcome: Outcome<T>): T {
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

export class OwnershipStore {
  private readonly get;
  private readonly ensure;

  constructor(private readonly db: Db) {
    this.get = db.prepare('SELECT * FROM ownership WHERE issuer = ? AND serial = ?');
    this.ensure = db.prepare(
      'INSERT INTO ownership (issuer, serial) VALUES (?, ?) ON CONFLICT DO NOTHING',
    );
  }

  /** Owners count and last transfer: what a retailer may see. */
  summary(issuer: string, serial: string): { owners: number; lastTransferAt: number | null } {
    const row = this.get.get(issuer, serial) as Row | undefined;
    return { owners: row?.owners ?? 0, lastTransferAt: row?.last_transfer_at ?? null };
  }

  /** A new claim code for the box or the sale; any earlier pending code stops working. */
  issueClaimCode(issuer: string, serial: string, now: number): string {
    const code = newCode();
    this.db.transaction(() => {
      this.ensure.run(issuer, serial);
      this.db
        .prepare(
          "UPDATE ownership SET code_hash = ?, code_kind = 'claim', code_created_at = ?, failed_attempts = 0, locked_until = NULL WHERE issuer = ? AND serial = ?",
        )
        .run(digest(normaliseCode(code)), now, issuer, serial);
    })();
    return code;
  }

  /** Registers the holder of the pending code as owner. Returns the new owner's secret key (shown once). */
  claim(
    issuer: string,
    serial: string,
    code: string,
    now: number,
    email?: string,
  ): { ownerKey: string; owners: number } {
    return settle(
      this.db
        .transaction((): Outcome<{ ownerKey: string; owners: number }> => {
          const row = this.get.get(issuer, serial) as Row | undefined;
          const locked = this.lockError(row, now);
          if (locked) return { error: locked };
          const ok = row !== undefined && sameHash(row.code_hash, digest(normaliseCode(code)));
          if (!ok) {
            this.fail(issuer, serial, row, now);
            return {
              error: new OwnershipError(
                row?.code_hash ? 'wrong_code' : 'no_code',
                'the code is not valid for this watch',
              ),
            };
          }
          const ownerKey = `own_${randomBytes(24).toString('base64url')}`;
          const emailHash = email ? digest(`${serial}:${email.trim().toLowerCase()}`) : null;
          this.db
            .prepare(
              'UPDATE ownership SET owners = owners + 1, last_transfer_at = ?, owner_key_hash = ?, code_hash = NULL, code_kind = NULL, failed_attempts = 0, locked_until = NULL, email_hash = ? WHERE issuer = ? AND serial = ?',
            )
            .run(now, digest(ownerKey), emailHash, issuer, serial);
          return { value: { ownerKey, owners: row.owners + 1 } };
        })
        .immediate(),
    );
  }

  /** The current owner creates a one-time transfer code for the buyer. */
  startTransfer(issuer: string, serial: string, ownerKey: string, now: number): string {
    return settle(
      this.db
        .transaction((): Outcome<string> => {
          const row = this.get.get(issuer, serial) as Row | undefined;
          const locked = this.lockError(row, now);
          if (locked) return { error: locked };
          if (!row?.owner_key_hash)
            return { error: new OwnershipError('no_owner', 'this watch has no registered owner') };
          if (!sameHash(row.owner_key_hash, digest(ownerKey))) {
            this.fail(issuer, serial, row, now);
            return {
              error: new OwnershipError(
                'wrong_owner_key',
                'the owner key is not valid for this watch',
              ),
            };
          }
          const code = newCode();
          this.db
            .prepare(
              "UPDATE ownership SET code_hash = ?, code_kind = 'transfer', code_created_at = ?, failed_attempts = 0 WHERE issuer = ? AND serial = ?",
            )
            .run(digest(normaliseCode(code)), now, issuer, serial);
          return { value: code };
        })
        .immediate(),
    );
  }

  private lockError(row: Row | undefined, now: number): OwnershipError | undefined {
    return row?.locked_until && row.locked_until > now
      ? new OwnershipError(
          'locked',
          'too many wrong codes for this watch; try again later',
          row.locked_until - now,
        )
      : undefined;
  }

  private fail(issuer: string, serial: string, row: Row | undefined, now: number): void {
    if (!row) return; // nothing to lock: unknown watches are throttled per address
    const attempts = row.failed_attempts + 1;
    const lock = attempts >= MAX_FAILED_ATTEMPTS ? now + LOCK_SECONDS : null;
    // Committed with the failed attempt: callers return the error instead of throwing inside.
    this.db
      .prepare(
        'UPDATE ownership SET failed_attempts = ?, locked_until = ? WHERE issuer = ? AND serial = ?',
      )
      .run(lock ? 0 : attempts, lock, issuer, serial);
  }
}
