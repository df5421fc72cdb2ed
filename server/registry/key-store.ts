/**
 * Signing keys in the registry: the public JWK, the private seed sealed under the passphrase,
 * the brand the key signs for, a state and a validity window. Each brand has one active key
 * (it signs); retired keys keep verifying what they signed while in service.
 */
import { keySetFromJwks, type KeySet, type PublicJwk } from '../../shared/keys.ts';
import type { Db } from '../db/database.ts';
import { open, openAsync, seal } from '../keys/sealed.ts';
import { Pkcs11Failure, type Pkcs11Keys } from '../keys/pkcs11.ts';
import { generateSigningKey, signingKeyFromSeed, type SigningKey } from '../keys/signing-key.ts';

interface KeyRow {
  kid: string;
  public_jwk: string;
  sealed: string;
  state: 'active' | 'retired';
  not_before: number;
  not_after: number | null;
  created_at: number;
  brand: string | null;
  compromised_since: number | null;
  custody: 'sealed' | 'pkcs11';
  pkcs11_label: string | null;
}

export interface KeyInfo {
  kid: string;
  brand: string | null;
  state: 'active' | 'retired';
  notBefore: number;
  notAfter: number | null;
  compromisedSince: number | null;
  /** Where the private half lives: sealed here, or a PKCS#11 token's label. */
  custody: 'sealed' | { pkcs11: string };
}

/** The brand has no active signing key (it does not exist, or the registry is not initialised). */
export class NoActiveKeyError extends Error {
  readonly code = 'NO_ACTIVE_KEY';
  constructor(readonly brand: string) {
    super(`brand ${brand} has no active signing key`);
  }
}

/** The key is in the registry already (under this or another brand). */
export class DuplicateKeyError extends Error {
  readonly code = 'CONFLICT';
}

export class KeyStore {
  // Opened keys by kid: opening costs a scrypt derivation, so once per key and process.
  private readonly opened = new Map<string, SigningKey>();
  private readonly activeKid;
  private readonly byKid;

  constructor(
    private readonly db: Db,
    private readonly passphrase: string,
    /** The PKCS#11 token, when keys live there; `pkcs11Default`: new keys are born in it. */
    private readonly pkcs11?: Pkcs11Keys,
    private readonly pkcs11Default = false,
  ) {
    this.activeKid = db
      .prepare("SELECT kid FROM keys WHERE brand = ? AND state = 'active'")
      .pluck();
    this.byKid = db.prepare('SELECT * FROM keys WHERE kid = ?');
  }

  /** Creates the brand's first key when it has none. Returns true if it did. */
  ensureKey(brand: string, now: number): boolean {
    if (this.activeKid.get(brand) !== undefined) return false;
    this.insertKey(brand, this.newKey(brand, now), now);
    return true;
  }

  /**
   * A new key for `brand`: generated in the PKCS#11 token when that is where keys are born
   * (HALLMARK_KEY_CUSTODY=pkcs11, or `inToken`), else in this process, to be sealed.
   * @throws Pkcs11Failure; Error when a token key is asked for and none is configured
   */
  newKey(brand: string, now: number, inToken = this.pkcs11Default): SigningKey {
    if (!inToken) return generateSigningKey();
    if (!this.pkcs11)
      throw new Pkcs11Failure(
        'no PKCS#11 token is configured (HALLMARK_PKCS11_MODULE and its PIN)',
        'CONFIG',
      );
    return this.pkcs11.generate(brand, now);
  }

  /** The PKCS#11 token's configuration, when one is configured (for the import's signers). */
  tokenConfig(): Pkcs11Keys['config'] | undefined {
    return this.pkcs11?.config;
  }

  /** Whether the brand has an active key. */
  hasActive(brand: string): boolean {
    return this.activeKid.get(brand) !== undefined;
  }

  /**
   * The brand's active signing key, opened with the passphrase. Re-read when another process
   * (the `keys rotate` command) changed the active key.
   * @throws SealError on a wrong passphrase; NoActiveKeyError when the brand has no key.
   */
  active(brand: string): SigningKey {
    const kid = this.activeKid.get(brand) as string | undefined;
    if (kid === undefined) throw new NoActiveKeyError(brand);
    let key = this.opened.get(kid);
    if (!key) {
      const row = this.byKid.get(kid) as KeyRow;
      if (row.custody === 'pkcs11') {
        if (!this.pkcs11)
          throw new Pkcs11Failure(
            `brand ${brand}'s key is in a PKCS#11 token: set HALLMARK_PKCS11_MODULE and its PIN`,
            'CONFIG',
          );
        key = this.pkcs11.key(row.pkcs11_label!, kid);
      } else key = signingKeyFromSeed(open(JSON.parse(row.sealed), this.passphrase, kid), kid);
      this.opened.set(kid, key);
    }
    return key;
  }

  /**
   * Opens the brand's active (sealed) key ahead of its first use, with scrypt off this thread
   * (see openAsync); `active` then finds it open. Failures are left for `active` to report.
   */
  async prefetchActive(brand: string): Promise<void> {
    const kid = this.activeKid.get(brand) as string | undefined;
    if (kid === undefined || this.opened.has(kid)) return;
    const row = this.byKid.get(kid) as KeyRow;
    if (row.custody !== 'sealed') return;
    try {
      const seed = await openAsync(JSON.parse(row.sealed), this.passphrase, kid);
      if (!this.opened.has(kid)) this.opened.set(kid, signingKeyFromSeed(seed, kid));
    } catch {
      // active() opens it again and reports the failure where it matters
    }
  }

  /** Whether the brand's active key is open already (by `active` or `prefetchActive`): the passphrase is right. */
  opensActive(brand: string): boolean {
    const kid = this.activeKid.get(brand) as string | undefined;
    return kid !== undefined && this.opened.has(kid);
  }

  /** Where the brand's active key lives, or undefined when it has none. */
  activeCustody(brand: string): 'sealed' | 'pkcs11' | undefined {
    const kid = this.activeKid.get(brand) as string | undefined;
    return kid === undefined ? undefined : (this.byKid.get(kid) as KeyRow).custody;
  }

  /**
   * Retires the brand's active key at `now` and makes `next` (a new key by default, or one
   * brought from an offline key ceremony) active from `now`.
   * @throws SealError when the passphrase does not open the current key; DuplicateKeyError
   */
  rotate(
    brand: string,
    now: number,
    next: SigningKey = this.newKey(brand, now),
  ): { retired: string | undefined; active: string } {
    // Check the passphrase opens the current key before adding one sealed under it.
    const previous = this.activeKid.get(brand) as string | undefined;
    if (previous !== undefined) this.active(brand);
    this.db
      .transaction(() => {
        this.db
          .prepare(
            "UPDATE keys SET state = 'retired', not_after = ? WHERE brand = ? AND state = 'active'",
          )
          .run(now, brand);
        this.insertKey(brand, next, now);
      })
      .immediate();
    return { retired: previous, active: next.kid };
  }

  /**
   * Marks a key compromised from `since`. If it is its brand's active key, the brand moves to
   * a new key first (a compromised key never signs again). Returns the brand and the new kid.
   * @throws Error when no such key exists
   */
  markCompromised(kid: string, since: number, now: number): { brand: string; active?: string } {
    const row = this.byKid.get(kid) as KeyRow | undefined;
    if (!row?.brand) throw new Error(`no key ${kid} in this registry`);
    let active: string | undefined;
    this.db
      .transaction(() => {
        if (row.state === 'active') active = this.rotate(row.brand!, now).active;
        this.db
          .prepare(
            'UPDATE keys SET compromised_since = CASE WHEN compromised_since IS NULL OR compromised_since > ? THEN ? ELSE compromised_since END WHERE kid = ?',
          )
          .run(since, since, kid);
      })
      .immediate();
    return { brand: row.brand, ...(active ? { active } : {}) };
  }

  /** Adds `key` as the brand's active key; the caller holds the transaction. @throws DuplicateKeyError */
  insertKey(brand: string, key: SigningKey, now: number): void {
    if (this.byKid.get(key.kid) !== undefined)
      throw new DuplicateKeyError(`key ${key.kid} is already in the registry`);
    // A token key leaves only its label here: no key material, sealed or not.
    const inToken = key.pkcs11Label !== undefined;
    this.db
      .prepare(
        "INSERT INTO keys (kid, public_jwk, sealed, state, not_before, created_at, brand, custody, pkcs11_label) VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?)",
      )
      .run(
        key.kid,
        JSON.stringify(key.publicJwk({ notBefore: now })),
        inToken ? '' : JSON.stringify(seal(key.exportSeed(), this.passphrase, key.kid)),
        now,
        now,
        brand,
        inToken ? 'pkcs11' : 'sealed',
        key.pkcs11Label ?? null,
      );
  }

  /**
   * Public JWKs of every key that may verify (of every brand, or of one), with their windows
   * and brands. A key adopted by no brand is left out: it signs for nothing.
   */
  publicJwks(brand?: string): PublicJwk[] {
    return this.rows(brand)
      .filter((r) => r.brand !== null)
      .map((r) => {
        const jwk: PublicJwk = { ...(JSON.parse(r.public_jwk) as PublicJwk), brand: r.brand! };
        if (r.not_after !== null) jwk.exp = r.not_after;
        if (r.compromised_since !== null) {
          // JOSE tools know nothing of `cs`: for them the key's window ends at the compromise.
          jwk.cs = r.compromised_since;
          jwk.exp = Math.min(jwk.exp ?? Infinity, r.compromised_since - 1);
        }
        return jwk;
      });
  }

  /** The trusted key set for the shared verifier, each key bound to its brand. */
  trustedKeys(): KeySet {
    return keySetFromJwks({ keys: this.publicJwks() });
  }

  list(brand?: string): KeyInfo[] {
    return this.rows(brand).map((r) => ({
      kid: r.kid,
      brand: r.brand,
      state: r.state,
      notBefore: r.not_before,
      notAfter: r.not_after,
      compromisedSince: r.compromised_since,
      custody: r.custody === 'pkcs11' ? { pkcs11: r.pkcs11_label! } : 'sealed',
    }));
  }

  /** Key rows of every brand (brand order) or of one, oldest first. */
  private rows(brand?: string): KeyRow[] {
    return (
      brand === undefined
        ? this.db.prepare('SELECT * FROM keys ORDER BY brand, not_before').all()
        : this.db.prepare('SELECT * FROM keys WHERE brand = ? ORDER BY not_before').all(brand)
    ) as KeyRow[];
  }
}
