/**
 * Signing the registry's trust list, and the development root key. In production the root
 * key is kept offline: `hallmark trust-list sign` runs where it is, and the signed list is
 * installed into the registry. A development registry (no HALLMARK_KEY_PASSPHRASE) gets a
 * development root key beside its database, sealed like the development signing keys, and
 * its list is re-signed whenever brands or keys change, so `npm start` needs no ceremony.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signTrustList, canonicalTrustListJson, type TrustList } from '../../shared/trust-list.ts';
import { localFilesDir } from '../db/location.ts';
import { readKeyFile, writeKeyFile } from '../keys/key-file.ts';
import { generateSigningKey, type SigningKey } from '../keys/signing-key.ts';
import type { Registry } from '../registry/registry.ts';

/** Where a development registry keeps its development root key. */
export function devRootKeyFile(dbPath: string): string {
  return join(localFilesDir(dbPath), 'dev-root-key.json');
}

/** Its public half, for `hallmark verify --trust-list … --root <this file>`. */
export function devRootJwksFile(dbPath: string): string {
  return join(localFilesDir(dbPath), 'dev-root.jwks.json');
}

/**
 * Signs the registry's next list (every brand, every key that may verify) with `root` and
 * installs it. The root's public key must be one of the registry's roots.
 * @throws HallmarkError TRUST_LIST_INVALID when the registry does not trust that root
 */
export function signRegistryTrustList(
  registry: Pick<Registry, 'trust'>,
  root: SigningKey,
  now: number,
): TrustList {
  const jws = signTrustList(registry.trust.draft(now), root.kid, root.sign);
  return registry.trust.install(jws, now);
}

/** Whether the installed list says something else than the registry holds (or is missing). */
export function trustListOutdated(registry: Pick<Registry, 'trust'>, now: number): boolean {
  const latest = registry.trust.latest();
  if (!latest) return true;
  const brandsOf = (p: TrustList['payload']) => canonicalTrustListJson({ ...p, seq: 1, iat: 0 });
  return brandsOf(latest.payload) !== brandsOf(registry.trust.draft(now));
}

/**
 * Development only: makes sure a development root key exists (when `create`), is a root of the
 * registry, and that the installed list is current. Returns the list signed, if one was.
 * Does nothing without the development root key file and `create` false.
 */
export function refreshDevTrustList(
  registry: Pick<Registry, 'trust' | 'events'>,
  dbPath: string,
  passphrase: string,
  now: number,
  options: { create: boolean },
): TrustList | undefined {
  const file = devRootKeyFile(dbPath);
  let root: SigningKey;
  if (existsSync(file)) root = readKeyFile(file, passphrase).key;
  else if (options.create) {
    root = generateSigningKey();
    writeKeyFile(file, root, passphrase, new Date(now * 1000));
    writeFileSync(
      devRootJwksFile(dbPath),
      `${JSON.stringify({ keys: [root.publicJwk()] }, null, 2)}\n`,
    );
  } else return undefined;
  const added = registry.trust.addRoots({ keys: [root.publicJwk()] }, now);
  if (added.length === 0 && !trustListOutdated(registry, now)) return undefined;
  const list = signRegistryTrustList(registry, root, now);
  registry.events.append({
    at: now,
    actor: 'system:development-root',
    action: 'trust_list.signed',
    detail: { seq: list.payload.seq, root: root.kid, brands: list.payload.brands.length },
  });
  return list;
}
