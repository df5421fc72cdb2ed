/**
 * Ownership without personal data. A one-time code (claim code in the box, or a transfer code
 * from the current owner) lets its holder register as the owner; the registry keeps only
 * hashes, the number of owners and the date of the last transfer.
 *
 * Guessing policy: codes carry 100 bits and owner keys 192, so guessing is infeasible at any
 * rate a network allows; wrong answers are limited per source address (the HTTP layer). The
 * right code or owner key is checked first and always works: an attacker's wrong guesses can
 * never lock the real holder out. Per watch, wrong answers are only counted: when a watch
 * collects MAX_FAILED_ATTEMPTS of them within ALERT_WINDOW_SECONDS, an audit event tells the
 * brand that someone is guessing. Every wrong answer looks the same, for a watch that exists
 * or not, so the answers cannot be used to find which serials exist.
 */
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { CertificateStore } from './certificates.ts';
import type { EventLog } from './events.ts';
import type { SecretStore } from './secrets.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U
export const MAX_FAILED_ATTEMPTS = 5;
export const ALERT_WINDOW_SECONDS = 15 * 60;

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

export type OwnershipFailure =
  'wrong_code' | 'wrong_owner_key' | 'owned' | 'expired' | 'not_active';

/** How long a recovery link works: one hour. */
export const RECOVERY_LIFETIME_SECONDS = 3600;
/** Recovery e-mails one watch may cause per day (so an owner's mailbox cannot be flooded). */
export const RECOVERIES_PER_WATCH_PER_DAY = 3;

/** How long a claim or transfer code stays valid, by default: 30 days. */
export const CODE_LIFETIME_SECONDS = 30 * 86_400;

export class OwnershipError extends Error {
  constructor(
    readonly reason: OwnershipFailure,
    message: string,
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
  code_created_at: number | null;
  /** When the pending code stops working, when shorter than the default lifetime. */
  code_expires_at: number | null;
  /** Wrong answers in the current alert window. */
  failed_attempts: number;
  /** End of the current alert window (the column's old name: nothing is ever locked). */
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

  private readonly events: EventLog;
  private readonly certificates: CertificateStore;
  private readonly secrets: SecretStore;
  private readonly codeLifetime: number;

  constructor(
    private readonly db: Db,
    deps: {
      events: EventLog;
      certificates: CertificateStore;
      secrets: SecretStore;
      codeLifetime?: number | undefined;
    },
  ) {
    this.events = deps.events;
    this.certificates = deps.certificates;
    this.secrets = deps.secrets;
    this.codeLifetime = deps.codeLifetime ?? CODE_LIFETIME_SECONDS;
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

  /** Whether the watch has a registered owner. */
  isOwned(issuer: string, serial: string): boolean {
    const row = this.get.get(issuer, serial) as Row | undefined;
    return row !== undefined && row.owner_key_hash !== null;
  }

  /**
   * A new claim code for the box or the sale; any earlier pending code stops working. A watch
   * that has an owner changes hands only through the owner's transfer, or with `override`
   * (an admin's audited decision, e.g. a lost owner key): the holder of the new code then
   * replaces the owner. @throws OwnershipError 'owned' when the watch has an owner and no override
   */
  issueClaimCode(
    issuer: string,
    serial: string,
    now: number,
    options: { override?: boolean } = {},
  ): string {
    const code = newCode();
    settle(
      this.db
        .transaction((): Outcome<null> => {
          const row = this.get.get(issuer, serial) as Row | undefined;
          const inactive = this.inactive(issuer, serial);
          if (inactive) return { error: inactive };
          if (row?.owner_key_hash && !options.override)
            return {
              error: new OwnershipError(
                'owned',
                'this watch has a registered owner: it changes hands through the owner’s transfer, or an admin override with a reason',
              ),
            };
          this.ensure.run(issuer, serial);
          this.db
            .prepare(
              "UPDATE ownership SET code_hash = ?, code_kind = 'claim', code_created_at = ?, code_expires_at = NULL WHERE issuer = ? AND serial = ?",
            )
            .run(digest(normaliseCode(code)), now, issuer, serial);
          return { value: null };
        })
        .immediate(),
    );
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
          // The right code first, whatever wrong guesses came before it.
          if (row === undefined || !sameHash(row.code_hash, digest(normaliseCode(code))))
            return { error: this.fail(issuer, serial, row, now, 'wrong_code') };
          // Told only to the holder of the right code: its age, and the watch's state.
          if (
            row.code_created_at === null ||
            now - row.code_created_at > this.codeLifetime ||
            (row.code_expires_at !== null && now > row.code_expires_at)
          )
            return {
              error: new OwnershipError(
                'expired',
                'this code has expired: ask the brand or the seller for a new one',
              ),
            };
          const inactive = this.inactive(issuer, serial);
          if (inactive) return { error: inactive };
          const ownerKey = `own_${randomBytes(24).toString('base64url')}`;
          const emailHash = email ? this.emailHash(email, now) : null;
          this.db
            .prepare(
              'UPDATE ownership SET owners = owners + 1, last_transfer_at = ?, owner_key_hash = ?, code_hash = NULL, code_kind = NULL, failed_attempts = 0, locked_until = NULL, email_hash = ? WHERE issuer = ? AND serial = ?',
            )
            .run(now, digest(ownerKey), emailHash, issuer, serial);
          // A recovery link an earlier owner asked for dies when the watch changes hands.
          this.db
            .prepare(
              'UPDATE ownership_recoveries SET used_at = ? WHERE issuer = ? AND serial = ? AND used_at IS NULL',
            )
            .run(now, issuer, serial);
          return { value: { ownerKey, owners: row.owners + 1 } };
        })
        .immediate(),
    );
  }

  /** The current owner creates a one-time transfer code for the buyer. */
  startTransfer(
    issuer: string,
    serial: string,
    ownerKey: string,
    now: number,
    /** Shorter than the default lifetime (a code shown on a screen at the counter). */
    lifetime?: number,
  ): string {
    return settle(
      this.db
        .transaction((): Outcome<string> => {
          const row = this.get.get(issuer, serial) as Row | undefined;
          if (!row?.owner_key_hash || !sameHash(row.owner_key_hash, digest(ownerKey)))
            return { error: this.fail(issuer, serial, row, now, 'wrong_owner_key') };
          const inactive = this.inactive(issuer, serial);
          if (inactive) return { error: inactive };
          const code = newCode();
          this.db
            .prepare(
              "UPDATE ownership SET code_hash = ?, code_kind = 'transfer', code_created_at = ?, code_expires_at = ? WHERE issuer = ? AND serial = ?",
            )
            .run(
              digest(normaliseCode(code)),
              now,
              lifetime === undefined ? null : now + lifetime,
              issuer,
              serial,
            );
          return { value: code };
        })
        .immediate(),
    );
  }

  /**
   * The stored form of an owner's e-mail address: HMAC-SHA256 under a sealed registry secret.
   * Without that secret, a copy of the table cannot be reversed with a list of addresses (a
   * hash salted with the public serial could). Addresses compare case-insensitively.
   */
  emailHash(email: string, now: number): Buffer {
    return createHmac('sha256', this.secrets.get('email-hash', now))
      .update(email.trim().toLowerCase())
      .digest();
  }

  /** The refusal for a watch whose newest card is revoked, stolen or replaced, or undefined. */
  private inactive(issuer: string, serial: string): OwnershipError | undefined {
    const status = this.certificates.findLatest(issuer, serial)?.status;
    if (status === undefined || status === 'active') return undefined;
    return new OwnershipError(
      'not_active',
      `this watch is ${status === 'stolen' ? 'reported stolen' : status}: it cannot change hands`,
    );
  }

  /**
   * A recovery for a lost owner key: when `email` is the address the owner registered (its
   * keyed hash matches, compared in constant time), a one-time token for a link sent to that
   * address; otherwise undefined. The caller answers both alike. At most
   * RECOVERIES_PER_WATCH_PER_DAY tokens per watch and day. Every request is audited.
   */
  startRecovery(issuer: string, serial: string, email: string, now: number): string | undefined {
    return this.db
      .transaction(() => {
        const row = this.get.get(issuer, serial) as
          (Row & { email_hash: Buffer | null }) | undefined;
        const matched =
          row !== undefined &&
          row.owner_key_hash !== null &&
          sameHash(row.email_hash, this.emailHash(email, now)) &&
          this.inactive(issuer, serial) === undefined;
        const recent = this.db
          .prepare(
            'SELECT count(*) FROM ownership_recoveries WHERE issuer = ? AND serial = ? AND created_at > ?',
          )
          .pluck()
          .get(issuer, serial, now - 86_400) as number;
        const sent = matched && recent < RECOVERIES_PER_WATCH_PER_DAY;
        // Only requests about a watch that exists are recorded: unknown serials leave no trace.
        if (row)
          this.events.append({
            at: now,
            actor: 'owner',
            action: 'ownership.recovery_requested',
            serial,
            detail: { issuer, sent, ...(matched && !sent ? { throttled: true } : {}) },
          });
        if (!sent) return undefined;
        const token = `rec_${randomBytes(24).toString('base64url')}`;
        this.db
          .prepare(
            'INSERT INTO ownership_recoveries (token_hash, issuer, serial, created_at) VALUES (?, ?, ?, ?)',
          )
          .run(digest(token), issuer, serial, now);
        return token;
      })
      .immediate();
  }

  /**
   * Completes a recovery: a new owner key for the same owner (the count does not change), the
   * old key and any pending code dead. The token works once, within RECOVERY_LIFETIME_SECONDS.
   * @throws OwnershipError 'wrong_code' (unknown or used), 'expired', 'not_active'
   */
  completeRecovery(
    token: string,
    now: number,
  ): { issuer: string; serial: string; owners: number; ownerKey: string } {
    return this.db
      .transaction(() => {
        const rec = this.db
          .prepare('SELECT * FROM ownership_recoveries WHERE token_hash = ?')
          .get(digest(token)) as
          | { issuer: string; serial: string; created_at: number; used_at: number | null }
          | undefined;
        if (!rec || rec.used_at !== null)
          throw new OwnershipError('wrong_code', 'this recovery link is not valid (or was used)');
        if (now - rec.created_at > RECOVERY_LIFETIME_SECONDS)
          throw new OwnershipError('expired', 'this recovery link has expired: ask again');
        const inactive = this.inactive(rec.issuer, rec.serial);
        if (inactive) throw inactive;
        const row = this.get.get(rec.issuer, rec.serial) as Row | undefined;
        if (!row?.owner_key_hash)
          throw new OwnershipError('wrong_code', 'this recovery link is not valid (or was used)');
        const ownerKey = `own_${randomBytes(24).toString('base64url')}`;
        this.db
          .prepare('UPDATE ownership_recoveries SET used_at = ? WHERE token_hash = ?')
          .run(now, digest(token));
        this.db
          .prepare(
            'UPDATE ownership SET owner_key_hash = ?, code_hash = NULL, code_kind = NULL WHERE issuer = ? AND serial = ?',
          )
          .run(digest(ownerKey), rec.issuer, rec.serial);
        this.events.append({
          at: now,
          actor: 'owner',
          action: 'ownership.recovered',
          serial: rec.serial,
          detail: { issuer: rec.issuer, owners: row.owners },
        });
        return { issuer: rec.issuer, serial: rec.serial, owners: row.owners, ownerKey };
      })
      .immediate();
  }

  /**
   * Records a wrong answer (committed even though the request fails) and returns the error,
   * the same for every wrong answer. The brand is told, in the audit trail, when a watch
   * collects MAX_FAILED_ATTEMPTS wrong answers within ALERT_WINDOW_SECONDS.
   */
  private fail(
    issuer: string,
    serial: string,
    row: Row | undefined,
    now: number,
    reason: 'wrong_code' | 'wrong_owner_key',
  ): OwnershipError {
    const error = new OwnershipError(
      reason,
      reason === 'wrong_code'
        ? 'the code is not valid for this watch'
        : 'the owner key is not valid for this watch',
    );
    if (!row) return error; // unknown watches: limited per address only, nothing stored
    const windowOpen = row.locked_until !== null && row.locked_until > now;
    const attempts = windowOpen ? row.failed_attempts + 1 : 1;
    this.db
      .prepare(
        'UPDATE ownership SET failed_attempts = ?, locked_until = ? WHERE issuer = ? AND serial = ?',
      )
      .run(attempts, windowOpen ? row.locked_until : now + ALERT_WINDOW_SECONDS, issuer, serial);
    if (attempts === MAX_FAILED_ATTEMPTS)
      this.events.append({
        at: now,
        actor: 'system:ownership',
        action: 'ownership.guessing_suspected',
        serial,
        detail: {
          issuer,
          wrongAnswers: attempts,
          windowSeconds: ALERT_WINDOW_SECONDS,
          kind: reason,
        },
      });
    return error;
  }
}
