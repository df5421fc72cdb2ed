/**
 * The trust material in the registry: the operator's root public keys (never a root private
 * key: that stays offline) and the trust lists installed, each verified under those roots
 * before it is stored. The service serves the newest; `draft` writes the payload of the
 * next list from the registry's brands and keys, for the root key holder to sign.
 */
import { toBase64url } from '../../shared/bytes.ts';
import { keySetFromJwks, type KeySet, type PublicJwk } from '../../shared/keys.ts';
import {
  newerTrustList,
  verifyTrustList,
  type TrustList,
  type TrustListPayload,
} from '../../shared/trust-list.ts';
import type { Db } from '../db/database.ts';
import type { BrandStore } from './brands.ts';
import type { KeyStore } from './key-store.ts';

export class TrustStore {
  private cached: TrustList | undefined;

  constructor(
    private readonly db: Db,
    private readonly brands: BrandStore,
    private readonly keys: KeyStore,
  ) {}

  /** The root public keys trust lists must verify under. */
  roots(): KeySet {
    const rows = this.db
      .prepare('SELECT public_jwk FROM trust_roots ORDER BY added_at')
      .pluck()
      .all() as string[];
    return keySetFromJwks({ keys: rows.map((r) => JSON.parse(r) as unknown) });
  }

  rootJwks(): { keys: PublicJwk[] } {
    const rows = this.db
      .prepare('SELECT public_jwk FROM trust_roots ORDER BY added_at')
      .pluck()
      .all() as string[];
    return { keys: rows.map((r) => JSON.parse(r) as PublicJwk) };
  }

  /** Adds root public keys (a JWKS of public Ed25519 keys). Returns the kids added. */
  addRoots(jwks: unknown, now: number): string[] {
    const keys = keySetFromJwks(jwks);
    const added: string[] = [];
    const insert = this.db.prepare(
      'INSERT INTO trust_roots (kid, public_jwk, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    for (const key of keys) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: toBase64url(key.publicKey), kid: key.kid };
      if (insert.run(key.kid, JSON.stringify(jwk), now).changes === 1) added.push(key.kid);
    }
    return added;
  }

  /** The newest installed list, verified; undefined when none is installed. */
  latest(): TrustList | undefined {
    const row = this.db
      .prepare('SELECT seq, jws FROM trust_lists ORDER BY seq DESC LIMIT 1')
      .get() as { seq: number; jws: string } | undefined;
    if (!row) return undefined;
    if (this.cached?.payload.seq !== row.seq) this.cached = verifyTrustList(row.jws, this.roots());
    return this.cached;
  }

  /**
   * Verifies a signed list under the roots and installs it when it is newer than the installed
   * one. @throws HallmarkError TRUST_LIST_INVALID (bad signature, unknown root, rollback, …)
   */
  install(jws: string, now: number): TrustList {
    const list = verifyTrustList(jws, this.roots());
    const held = this.latest();
    if (newerTrustList(held, list) === held) return held!;
    this.db
      .prepare('INSERT INTO trust_lists (seq, jws, installed_at) VALUES (?, ?, ?)')
      .run(list.payload.seq, list.jws, now);
    this.cached = list;
    return list;
  }

  /** The payload of the next list: every brand, with every key that may verify. */
  draft(now: number): TrustListPayload {
    const seq =
      (this.db.prepare('SELECT coalesce(max(seq), 0) FROM trust_lists').pluck().get() as number) +
      1;
    const byBrand = new Map<string, PublicJwk[]>();
    for (const jwk of this.keys.publicJwks()) {
      const list = byBrand.get(jwk.brand!) ?? [];
      list.push(jwk);
      byBrand.set(jwk.brand!, list);
    }
    return {
      v: 1,
      seq,
      iat: now,
      brands: this.brands.list().map((b) => ({
        code: b.code,
        name: b.name,
        ...(b.publicUrl ? { url: b.publicUrl } : {}),
        keys: (byBrand.get(b.code) ?? []).map((k) => ({
          x: k.x,
          nbf: k.nbf ?? 0,
          ...(k.exp === undefined ? {} : { exp: k.exp }),
          ...(k.cs === undefined ? {} : { cs: k.cs }),
        })),
      })),
      ...this.logDraft(),
    };
  }

  /** The log section of the next list: the log's key and witness policy, once it exists. */
  private logDraft(): Pick<TrustListPayload, 'log'> {
    const row = this.db
      .prepare('SELECT vkey, witnesses, quorum, created_at FROM log_settings WHERE id = 1')
      .get() as { vkey: string; witnesses: string; quorum: number; created_at: number } | undefined;
    if (!row) return {};
    const witnesses = row.witnesses
      .split(' ')
      .filter((w) => w !== '')
      .map((w) => w.slice(0, w.indexOf('@')));
    return {
      log: {
        key: row.vkey,
        ...(witnesses.length > 0 ? { witnesses } : {}),
        ...(row.quorum > 0 ? { quorum: row.quorum } : {}),
        since: row.created_at,
      },
    };
  }

  /**
   * Brands whose active key the installed list does not vouch for: their new certificates
   * would not verify on pages until a new list is signed. Empty when all is well.
   */
  unlistedActiveKeys(): { brand: string; kid: string }[] {
    const list = this.latest();
    const listed = new Set(list?.keys.map((k) => `${k.brand}:${k.kid}`) ?? []);
    return this.keys
      .list()
      .filter((k) => k.state === 'active' && k.brand !== null && !listed.has(`${k.brand}:${k.kid}`))
      .map((k) => ({ brand: k.brand!, kid: k.kid }));
  }
}
