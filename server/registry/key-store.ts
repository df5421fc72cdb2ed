/**
 * Signing keys in the registry: the public JWK, the private seed sealed under the passphrase,
 * a state and a validity window. One key is active (it signs); retired keys keep verifying
 * what they signed while in service.
 */
import { keySetFromJwks, type KeySet, type PublicJwk } from '../../shared/keys.ts';
import type { Db } from '../db/database.ts';
import { open, seal } from '../keys/sealed.ts';
import { generateSigningKey, signingKeyFromSeed, type SigningKey } from '../keys/signing-key.ts';

interface KeyRow {
  kid: string;
  public_jwk: string;
  sealed: string;
  state: 'active' | 'retired';
  not_before: number;
  not_after: number | null;
  created_at: number;
}

export interface KeyInfo {
  kid: string;
  state: 'active' | 'retired';
  notBefore: number;
  notAfter: number | null;
}

export class KeyStore {
  private cached: SigningKey | undefined;
  private readonly activeKid;

  constructor(
    private readonly db: Db,
    private readonly passphrase: string,
  ) {
    this.activeKid = db.prepare("SELECT kid FROM keys WHERE state = 'active'").pluck();
  }

  /** Creates the first key when the registry has none. Returns true if it did. */
  ensureKey(now: number): boolean {
    if (this.activeKid.get() !== undefined) return false;
    this.insertKey(generateSigningKey(), now);
    return true;
  }

  /**
   * The active signing key, opened with the passphrase. Re-read when another process (the
   * `keys rotate` command) changed the active key.
   * @throws SealError on a wrong passphrase; Error when there is no active key.
   */
  active(): SigningKey {
    const kid = this.activeKid.get() as string | undefined;
    if (kid === undefined) throw new Error('the registry has no active signing key');
    if (this.cached?.kid !== kid) {
      const row = this.db.prepare('SELECT * FROM keys WHERE kid = ?').get(kid) as KeyRow;
      this.cached = signingKeyFromSeed(open(JSON.parse(row.sealed), this.passphrase, kid), kid);
    }
    return this.cached;
  }

  /** Retires the active key at `now` and makes a new one active from `now`. */
  rotate(now: number): { retired: string | undefined; active: string } {
    // Check the passphrase opens the current key before adding one sealed under it.
    const previous = this.activeKid.get() as string | undefined;
    if (previous !== undefined) this.active();
    const key = generateSigningKey();
    this.db
      .transaction(() => {
        this.db
          .prepare("UPDATE keys SET state = 'retired', not_after = ? WHERE state = 'active'")
          .run(now);
        this.insertKey(key, now);
      })
      .immediate();
    return { retired: previous, active: key.kid };
  }

  /** Public JWKs of every key that may verify, with their windows. */
  publicJwks(): PublicJwk[] {
    const rows = this.db.prepare('SELECT * FROM keys ORDER BY not_before').all() as KeyRow[];
    return rows
      .map((r) => JSON.parse(r.public_jwk) as PublicJwk)
      .map((jwk, i) => {
        const notAfter = rows[i]!.not_after;
        return notAfter === null ? jwk : { ...jwk, exp: notAfter };
      });
  }

  /** The trusted key set for the shared verifier. */
  trustedKeys(): KeySet {
    return keySetFromJwks({ keys: this.publicJwks() });
  }

  list(): KeyInfo[] {
    return (this.db.prepare('SELECT * FROM keys ORDER BY not_before').all() as KeyRow[]).map(
      (r) => ({
        kid: r.kid,
        state: r.state,
        notBefore: r.not_before,
        notAfter: r.not_after,
      }),
    );
  }

  private insertKey(key: SigningKey, now: number): void {
    this.db
      .prepare(
        "INSERT INTO keys (kid, public_jwk, sealed, state, not_before, created_at) VALUES (?, ?, ?, 'active', ?, ?)",
      )
      .run(
        key.kid,
        JSON.stringify(key.publicJwk({ notBefore: now })),
        JSON.stringify(seal(key.exportSeed(), this.passphrase, key.kid)),
        now,
        now,
      );
  }
}
