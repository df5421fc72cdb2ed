/**
 * The registry's own secrets (32 random bytes each, by name), sealed under the key passphrase
 * like the signing keys, created on first use. Two processes creating the same secret at
 * once agree on the first one stored.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { open, openAsync, seal, sealAsync, type Sealed } from '../keys/sealed.ts';

export class SecretStore {
  private readonly opened = new Map<string, Uint8Array>();
  private readonly read;
  private readonly insert;

  constructor(
    db: Db,
    private readonly passphrase: string,
  ) {
    this.read = db.prepare('SELECT sealed FROM registry_secrets WHERE name = ?').pluck();
    this.insert = db.prepare(
      'INSERT INTO registry_secrets (name, sealed, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
  }

  /** The secret called `name`, created when missing. @throws SealError on a wrong passphrase */
  get(name: string, now: number): Uint8Array {
    let secret = this.opened.get(name);
    if (secret) return secret;
    const sealed = this.stored(name);
    if (sealed === undefined) {
      const fresh = randomBytes(32);
      secret = this.keep(
        name,
        fresh,
        seal(fresh, this.needPassphrase(name), `secret:${name}`),
        now,
      );
    }
    secret ??= open(JSON.parse(this.stored(name)!), this.passphrase, `secret:${name}`);
    this.opened.set(name, secret);
    return secret;
  }

  /**
   * Opens the secret called `name` ahead of its first use, or creates it when missing, off this
   * thread (scrypt on libuv's pool); `get` then finds it open. A new secret is sealed at once
   * but stored only if `store` resolves true (the caller's proof that the passphrase is right,
   * found meanwhile). Failures are left for `get` to report.
   */
  async prefetch(name: string, now: number, store: Promise<boolean>): Promise<void> {
    if (this.opened.has(name) || this.passphrase.length === 0) return;
    try {
      const sealed = this.stored(name);
      let secret: Uint8Array | undefined;
      if (sealed === undefined) {
        const fresh = randomBytes(32);
        const [made, proven] = await Promise.all([
          sealAsync(fresh, this.passphrase, `secret:${name}`),
          store,
        ]);
        if (!proven) return;
        secret = this.keep(name, fresh, made, now);
      }
      secret ??= await openAsync(JSON.parse(this.stored(name)!), this.passphrase, `secret:${name}`);
      if (!this.opened.has(name)) this.opened.set(name, secret);
    } catch {
      // get() opens it again and reports the failure where it matters
    }
  }

  private stored(name: string): string | undefined {
    return this.read.get(name) as string | undefined;
  }

  private needPassphrase(name: string): string {
    if (this.passphrase.length === 0)
      throw new Error(`registry secret ${name} needs the key passphrase`);
    return this.passphrase;
  }

  /**
   * Stores a new secret unless another process stored one first. Returns `secret` when it was
   * stored (no need to open what was just sealed), else undefined: the caller opens the stored one.
   */
  private keep(
    name: string,
    secret: Uint8Array,
    sealed: Sealed,
    now: number,
  ): Uint8Array | undefined {
    const text = JSON.stringify(sealed);
    this.insert.run(name, text, now);
    return this.stored(name) === text ? secret : undefined;
  }
}
