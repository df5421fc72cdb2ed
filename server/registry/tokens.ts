/**
 * API tokens: `hmk_<id>_<secret>`. Only SHA-256 of the secret is stored; presented secrets
 * are hashed and compared with timingSafeEqual. A revoked token fails on its next request
 * (every request reads the row; nothing is cached). Every token is bound to brands: one or
 * more brand codes, or '*' for the operator's tokens (every brand, and brand management).
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { toBase64url } from '../../shared/bytes.ts';
import type { Db } from '../db/database.ts';

export const SCOPES = ['issue', 'read', 'report', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const tokenLabelSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[\p{L}\p{N} ._:@/-]+$/u, 'may contain letters, digits, spaces and . _ : @ / -');

const TOKEN_FORMAT = /^hmk_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

/** The brands a token acts for: a list of codes, or '*' (the operator: every brand). */
export type TokenBrands = '*' | readonly string[];

export interface TokenInfo {
  id: string;
  label: string;
  scopes: Scope[];
  brands: TokenBrands;
  createdAt: number;
  revokedAt: number | null;
}

interface TokenRow {
  id: string;
  secret_hash: Buffer;
  label: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
  brands: string | null;
}

// One-shot native hash (Node ≥ 20.12): no Hash object per request.
const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer') as unknown as Buffer;
// A fixed hash to compare against when the id is unknown, so both paths cost the same.
const DUMMY_HASH = sha256('no such token');

/** Why a presented token was refused. */
export type TokenFailure = 'malformed' | 'unknown' | 'revoked';

export class TokenStore {
  private readonly insert;
  private readonly byId;
  private readonly revokeStmt;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      'INSERT INTO tokens (id, secret_hash, label, scopes, created_at, brands) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.byId = db.prepare('SELECT * FROM tokens WHERE id = ?');
    this.revokeStmt = db.prepare(
      'UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
  }

  /**
   * Creates a token for `brands` (codes, or '*' for the operator); the returned `token` is the
   * only time the secret exists in clear. The caller checks that the brands exist.
   */
  create(
    label: string,
    scopes: Scope[],
    brands: TokenBrands,
    now: number,
  ): { token: string; info: TokenInfo } {
    if (brands !== '*' && brands.length === 0) throw new Error('a token needs at least one brand');
    const id = toBase64url(randomBytes(9));
    const secret = toBase64url(randomBytes(32));
    const unique = [...new Set(scopes)].sort();
    const bound = brands === '*' ? '*' : [...new Set(brands)].sort();
    this.insert.run(
      id,
      sha256(secret),
      tokenLabelSchema.parse(label),
      unique.join(' '),
      now,
      bound === '*' ? '*' : bound.join(' '),
    );
    return {
      token: `hmk_${id}_${secret}`,
      info: { id, label, scopes: unique, brands: bound, createdAt: now, revokedAt: null },
    };
  }

  /** Checks a presented token. Constant-time in the secret; never throws on junk. */
  authenticate(
    presented: string,
  ): { ok: true; info: TokenInfo } | { ok: false; reason: TokenFailure } {
    const m = TOKEN_FORMAT.exec(presented);
    if (!m) return { ok: false, reason: 'malformed' };
    const row = this.byId.get(m[1]) as TokenRow | undefined;
    const match = timingSafeEqual(sha256(m[2]!), row ? row.secret_hash : DUMMY_HASH);
    if (!row || !match) return { ok: false, reason: 'unknown' };
    if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
    return { ok: true, info: toInfo(row) };
  }

  /** Revokes by id (or by a whole token). Returns false when no active token matched. */
  revoke(idOrToken: string, now: number): boolean {
    const id = TOKEN_FORMAT.exec(idOrToken)?.[1] ?? idOrToken;
    return this.revokeStmt.run(now, id).changes === 1;
  }

  list(): TokenInfo[] {
    return (
      this.db.prepare('SELECT * FROM tokens ORDER BY created_at, id').all() as TokenRow[]
    ).map(toInfo);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM tokens').get() as { n: number }).n;
  }
}

function toInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    label: row.label,
    scopes: row.scopes.split(' ') as Scope[],
    // NULL: a token from before brands, not yet adopted: it acts for no brand (fail closed).
    brands: row.brands === '*' ? '*' : row.brands ? row.brands.split(' ') : [],
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/** Whether a token bound to `brands` may act for `brand`. */
export function actsFor(brands: TokenBrands, brand: string): boolean {
  return brands === '*' || brands.includes(brand);
}

/** Whether granted scopes allow `needed`. `admin` implies every other scope. */
export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return granted.includes(needed) || granted.includes('admin');
}
