/** Brands and trust lists on a test registry: what `brands add` and `trust-list sign` do. */
import { addBrand } from '../../server/brands/add-brand.ts';
import type { SigningKey } from '../../server/keys/signing-key.ts';
import type { Registry } from '../../server/registry/registry.ts';
import { signRegistryTrustList } from '../../server/trust/trust-lists.ts';
import type { TrustList } from '../../shared/trust-list.ts';
import { testKey } from './fixtures.ts';

/** The operator's root key of the tests (deterministic). */
export const ROOT_KEY = testKey('operator root');

/** The root public keys as a JWKS, as pages and retailers receive them. */
export const ROOT_JWKS = { keys: [ROOT_KEY.publicJwk()] };

/** Adds a brand with its first signing key (generated, or `key`). Returns the brand's kid. */
export function addTestBrand(
  registry: Registry,
  code: string,
  options: { name?: string; publicUrl?: string; key?: SigningKey } = {},
): string {
  return addBrand(
    registry,
    {
      code,
      name: options.name ?? code,
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    },
    { actor: 'test', ...(options.key ? { key: options.key } : {}) },
  ).kid;
}

/** Makes `root` a root of the registry, signs the registry's next list with it and installs it. */
export function signTestTrustList(registry: Registry, root: SigningKey = ROOT_KEY): TrustList {
  registry.trust.addRoots({ keys: [root.publicJwk()] }, registry.now());
  return signRegistryTrustList(registry, root, registry.now());
}
