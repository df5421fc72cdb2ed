/**
 * Adding a brand: the brand, its first signing key (generated here, or brought from an offline
 * key ceremony) and the audit event, in one transaction: a brand never exists without a key.
 */
import type { SigningKey } from '../keys/signing-key.ts';
import type { Brand, BrandInput } from '../registry/brands.ts';
import type { Registry } from '../registry/registry.ts';

/** @throws BrandExistsError; DuplicateKeyError when the key is already in the registry */
export function addBrand(
  registry: Pick<Registry, 'db' | 'brands' | 'keys' | 'events' | 'now'>,
  input: BrandInput,
  options: { actor: string; key?: SigningKey },
): { brand: Brand; kid: string } {
  // Generated where the registry's new keys are born: here (then sealed), or in the PKCS#11 token.
  const key = options.key ?? registry.keys.newKey(input.code, registry.now());
  return registry.db
    .transaction(() => {
      const now = registry.now();
      const brand = registry.brands.add(input, now);
      registry.keys.insertKey(brand.code, key, now);
      registry.events.append({
        at: now,
        actor: options.actor,
        action: 'brand.added',
        detail: {
          brand: brand.code,
          name: brand.name,
          publicUrl: brand.publicUrl ?? null,
          kid: key.kid,
          keyOrigin: options.key
            ? 'imported'
            : key.pkcs11Label
              ? 'generated in the PKCS#11 token'
              : 'generated',
        },
      });
      return { brand, kid: key.kid };
    })
    .immediate();
}
