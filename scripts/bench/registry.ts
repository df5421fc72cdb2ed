/** A fresh in-memory registry with one brand (HUB), its key, a trust list and a frozen clock. */
import { openDatabase } from '../../server/db/database.ts';
import { createRegistry, type Registry } from '../../server/registry/registry.ts';
import { addTestBrand, signTestTrustList } from '../../test/helpers/registry.ts';

export function benchRegistry(now = Math.floor(Date.now() / 1000)): {
  registry: Registry;
  now: number;
} {
  const registry = createRegistry(openDatabase(':memory:'), {
    passphrase: 'benchmark passphrase only',
    legacyBrand: 'HUB',
    now: () => now,
  });
  addTestBrand(registry, 'HUB', { name: 'Hublot' });
  signTestTrustList(registry);
  return { registry, now };
}
