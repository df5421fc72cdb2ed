/**
 * Brands (maisons): the trust domains of the platform. Each has its own signing keys,
 * tokens, status lists and verification host. A registry written before brands existed is
 * adopted whole by one brand (`adoptLegacy`): its keys, tokens and status lists become that
 * brand's, so every certificate it issued keeps verifying with its old QR code.
 */
import { z } from 'zod';
import { displayTextProblem, issuerCode } from '../../shared/claims.ts';
import { isBaseUrl } from '../../shared/qr.ts';
import type { Db } from '../db/database.ts';

export interface Brand {
  code: string;
  name: string;
  /** The brand's verification page, for its QR codes; undefined: the deployment's. */
  publicUrl: string | undefined;
  createdAt: number;
}

interface Row {
  code: string;
  name: string;
  public_url: string | null;
  created_at: number;
}

const toBrand = (r: Row): Brand => ({
  code: r.code,
  name: r.name,
  publicUrl: r.public_url ?? undefined,
  createdAt: r.created_at,
});

/** A new brand's fields, as the CLI and the API take them. Every bad field is reported. */
export const brandInputSchema = z.strictObject({
  code: z
    .string()
    .trim()
    .refine((s) => issuerCode.safeParse(s).success, 'must be 2-8 upper-case letters or digits'),
  name: z
    .string()
    .trim()
    .superRefine((s, ctx) => {
      const problem = displayTextProblem(s, 64);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  publicUrl: z
    .string()
    .trim()
    .max(200, 'must be at most 200 characters')
    .refine(isBaseUrl, 'must be an http(s) URL without query or fragment')
    .optional(),
});
export type BrandInput = z.infer<typeof brandInputSchema>;

/** The brand code exists already. */
export class BrandExistsError extends Error {
  readonly code = 'CONFLICT';
}

export class BrandStore {
  private readonly byCode;
  /**
   * Brands read from the database, by code. A brand row never changes and is never deleted,
   * so what was read once stays true: the issuing path (several look-ups per request) then
   * reads no row. Only rows read outside a transaction are kept (a row inside one may still
   * be rolled back); an unknown code is always asked again (another process may add it).
   */
  private readonly known = new Map<string, Brand>();

  constructor(private readonly db: Db) {
    this.byCode = db.prepare('SELECT * FROM brands WHERE code = ?');
  }

  get(code: string): Brand | undefined {
    const kept = this.known.get(code);
    if (kept) return kept;
    const row = this.byCode.get(code) as Row | undefined;
    if (!row) return undefined;
    const brand = toBrand(row);
    if (!this.db.inTransaction) this.known.set(code, brand);
    return brand;
  }

  /** The verification page for the brand's QR codes: its own host, else `fallback` (the deployment's). */
  publicUrlOf(code: string, fallback: string): string {
    return this.get(code)?.publicUrl ?? fallback;
  }

  has(code: string): boolean {
    return this.get(code) !== undefined;
  }

  list(): Brand[] {
    return (this.db.prepare('SELECT * FROM brands ORDER BY code').all() as Row[]).map(toBrand);
  }

  /** Adds a brand (the caller holds the transaction that also gives it a key). @throws BrandExistsError */
  add(input: BrandInput, now: number): Brand {
    if (this.has(input.code)) throw new BrandExistsError(`brand ${input.code} exists already`);
    this.db
      .prepare('INSERT INTO brands (code, name, public_url, created_at) VALUES (?, ?, ?, ?)')
      .run(input.code, input.name, input.publicUrl ?? null, now);
    return this.get(input.code)!;
  }

  /**
   * Adopts a registry written before brands existed: creates brand `code` and gives it every
   * key, token and status list that has no brand. Does nothing when brands already exist or
   * nothing is left to adopt. Returns what it adopted, for the audit trail.
   */
  adoptLegacy(
    code: string,
    now: number,
  ): { keys: number; tokens: number; lists: number; foreignCertificates: number } | undefined {
    return this.db
      .transaction(() => {
        const count = (sql: string) => (this.db.prepare(sql).pluck().get() as number) ?? 0;
        if (count('SELECT count(*) FROM brands') > 0) return undefined;
        const orphanKeys = count('SELECT count(*) FROM keys WHERE brand IS NULL');
        const orphanTokens = count('SELECT count(*) FROM tokens WHERE brands IS NULL');
        if (orphanKeys === 0 && orphanTokens === 0) return undefined;
        this.db
          .prepare('INSERT INTO brands (code, name, public_url, created_at) VALUES (?, ?, NULL, ?)')
          .run(code, code, now);
        const keys = this.db.prepare('UPDATE keys SET brand = ? WHERE brand IS NULL').run(code);
        const tokens = this.db
          .prepare('UPDATE tokens SET brands = ? WHERE brands IS NULL')
          .run(code);
        const lists = this.db
          .prepare('UPDATE status_lists SET brand = ? WHERE brand IS NULL')
          .run(code);
        // Certificates the one old key signed for other brand codes: they were never bound to
        // a brand, and now fail verification (KEY_NOT_FOR_BRAND), as the forgeries they were.
        const foreignCertificates = this.db
          .prepare('SELECT count(*) FROM certificates WHERE issuer != ?')
          .pluck()
          .get(code) as number;
        return {
          keys: keys.changes,
          tokens: tokens.changes,
          lists: lists.changes,
          foreignCertificates,
        };
      })
      .immediate();
  }
}
