/** A fresh in-memory registry with one signing key and a frozen clock, for benchmarks. */
import { openDatabase } from '../../server/db/database.ts';
import { createRegistry, type Registry } from '../../server/registry/registry.ts';

export function benchRegistry(now = Math.floor(Date.now() / 1000)): {
  registry: Registry;
  now: number;
} {
  const registry = createRegistry(openDatabase(':memory:'), {
    passphrase: 'benchmark passphrase only',
    defaultIssuer: 'HUB',
    now: () => now,
  });
  registry.keys.ensureKey(now - 60);
  return { registry, now };
}
