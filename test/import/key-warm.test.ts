/**
 * The import thread's first step (scripts/cli/import-key-warm.ts) reads the brand's sealed key
 * from the registry without the registry's modules. Held here to the schema the migrations
 * make: on a real registry file, in a thread whose cache holds nothing yet, it starts exactly
 * the derivation that opening the key then uses; where it cannot tell (no file, no passphrase,
 * PostgreSQL) it starts nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Warm from '../../scripts/cli/import-key-warm.ts';
import type * as Kdf from '../../server/keys/kdf.ts';
import type * as Sealed from '../../server/keys/sealed.ts';
import { PASSPHRASE, testService } from '../helpers/service.ts';

const dbPath = join(mkdtempSync(join(tmpdir(), 'hallmark-warm-')), 'hallmark.db');
const svc = testService({ dbPath });
const { kid, sealed } = svc.registry.db
  .prepare("SELECT kid, sealed FROM keys WHERE brand = 'HUB' AND state = 'active'")
  .get() as { kid: string; sealed: string };

// Fresh module instances: the cache of the thread that sealed the key above is not theirs, as
// the import thread's is not the service's.
let kdf: typeof Kdf;
let sealedModule: typeof Sealed;
let warm: typeof Warm;
beforeAll(async () => {
  vi.resetModules();
  kdf = await import('../../server/keys/kdf.ts');
  sealedModule = await import('../../server/keys/sealed.ts');
  warm = await import('../../scripts/cli/import-key-warm.ts');
});

describe('the import key warm-up', () => {
  it('starts the one derivation the brand key needs; opening the key then derives nothing', async () => {
    expect(kdf.derivationsStarted()).toBe(0);
    warm.warmImportKey(undefined, {
      HALLMARK_DB: dbPath,
      HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
      HALLMARK_ISSUER: 'HUB',
    });
    expect(kdf.derivationsStarted()).toBe(1);
    const seed = await sealedModule.openAsync(JSON.parse(sealed), PASSPHRASE, kid);
    expect(seed).toHaveLength(32);
    expect(kdf.derivationsStarted()).toBe(1);
  });

  it('starts nothing where it cannot tell', () => {
    const before = kdf.derivationsStarted();
    const pass = { HALLMARK_KEY_PASSPHRASE: PASSPHRASE };
    warm.warmImportKey('HUB', { HALLMARK_DB: join(tmpdir(), 'no-such-registry.db'), ...pass });
    warm.warmImportKey('HUB', { HALLMARK_DB: dbPath }); // no passphrase, no development file
    warm.warmImportKey('HUB', { HALLMARK_DB: 'postgres://localhost/hallmark', ...pass });
    expect(kdf.derivationsStarted()).toBe(before);
  });
});
