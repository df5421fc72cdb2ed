/**
 * The registry's own secrets (32 random bytes each, by name), sealed under the key passphrase
 * like the signing keys, created on first use. Two processes creating the same secret at
 * once agree on the first one stored.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { open, openAsync, seal } from '../keys/sealed.ts';

export class SecretStore {
  private readonly opened = new Map<string, Uint8Array>();

  constructor(
    private readonly db: Db,
    private readonly passphrase: string,
  ) {}

  /** The secret called `name`, created when missing. @throws SealError on a wrong passphrase */
  get(name: string, now: number): Uint8Array {
    let secret = this.opened.get(name);
    if (secret) return secret;
    const read = () =>
      this.db.prepare('SELECT sealed FROM registry_secrets WHERE name = ?').pluck().get(name) as
        string | undefined;
    let sealed = read();
    if (sealed === undefined) {
      if (this.passphrase.length === 0)
        throw new Error(`registry secret ${name} needs the key passphrase`);
      this.db
        .prepare(
          'INSERT INTO registry_secrets (name, sealed, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        )
        .run(name, JSON.stringify(seal(randomBytes(32), this.passphrase, `secret:${name}`)), now);
      sealed = read()!;
    }
    secret = open(JSON.parse(sealed), this.passphrase, `secret:${name}`);
    this.opened.set(name, secret);
    return secret;
  }

  /**
   * Opens the secret called `name` ahead of its first use, off this thread (see openAsync),
   * when it exists; `get` then finds it open. Failures are left for `get` to report.
   */
  async prefetch(name: string): Promise<void> {
    if (this.opened.has(name) || this.passphrase.length === 0) return;
    const sealed = this.db
      .prepare('SELECT sealed FROM registry_secrets WHERE name = ?')
      .pluck()
      .get(name) as string | undefined;
    if (sealed === undefined) return;
    try {
      const secret = await openAsync(JSON.parse(sealed), this.passphrase, `secret:${name}`);
      if (!this.opened.has(name)) this.opened.set(name, secret);
    } catch {
      // get() opens it again and reports the failure where it matters
    }
  }
}
