/**
 * Public keys and trust: Ed25519 JWKs (RFC 8037), key ids as RFC 7638 thumbprints, and the
 * trusted key set `verify` receives already built (it never fetches keys itself). Every
 * trusted key is bound to the one brand it signs for; a key with no brand signs for none.
 */
import * as z from 'zod/mini';
import { fromBase64url, toBase64url } from './bytes.ts';
import { ErrorCode, HallmarkError } from './errors.ts';
import { parseOrThrow } from './validation.ts';
import { thumbprint, type PublicJwk, type TrustedKey, type KeySet } from './key-set.ts';

export * from './key-set.ts';

/** The public JWK of a raw 32-byte Ed25519 key, with its thumbprint as `kid`. */
export function publicJwk(
  publicKey: Uint8Array,
  window: { notBefore?: number; notAfter?: number } = {},
  brand?: string,
): PublicJwk {
  const jwk: PublicJwk = {
    kty: 'OKP',
    crv: 'Ed25519',
    x: toBase64url(publicKey),
    kid: thumbprint(publicKey),
    alg: 'Ed25519',
    use: 'sig',
  };
  if (window.notBefore !== undefined) jwk.nbf = window.notBefore;
  if (window.notAfter !== undefined) jwk.exp = window.notAfter;
  if (brand !== undefined) jwk.brand = brand;
  return jwk;
}

const seconds = z.int().check(z.minimum(0));
const ed25519JwkSchema = z.looseObject({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes in base64url')),
  kid: z.optional(z.string()),
  alg: z.optional(z.enum(['Ed25519', 'EdDSA'])),
  use: z.optional(z.literal('sig')),
  nbf: z.optional(seconds),
  exp: z.optional(seconds),
  brand: z.optional(z.string().check(z.regex(/^[A-Z0-9]{2,8}$/, 'must be a brand code'))),
  cs: z.optional(seconds),
});
const jwksSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string() })) });

/**
 * Builds a trusted key from a public JWK. The key id is always recomputed from the key
 * material; a `kid` that does not match the thumbprint is rejected, never believed.
 * @throws HallmarkError INVALID_KEY
 */
export function trustedKeyFromJwk(jwk: unknown): TrustedKey {
  const data = parseOrThrow(
    ed25519JwkSchema,
    jwk,
    ErrorCode.INVALID_KEY,
    'not an Ed25519 public JWK',
  );
  if ('d' in data) {
    // A private JWK has no place in a trust set; refusing it keeps secrets out of key files.
    throw new HallmarkError(ErrorCode.INVALID_KEY, 'private key material in a public key set');
  }
  const publicKey = fromBase64url(data.x);
  const kid = thumbprint(publicKey);
  if (data.kid !== undefined && data.kid !== kid) {
    throw new HallmarkError(ErrorCode.INVALID_KEY, `kid ${data.kid} is not the thumbprint ${kid}`);
  }
  const key: TrustedKey = { kid, publicKey };
  if (data.nbf !== undefined) key.notBefore = data.nbf;
  if (data.exp !== undefined) key.notAfter = data.exp;
  if (data.brand !== undefined) key.brand = data.brand;
  if (data.cs !== undefined) key.compromisedSince = data.cs;
  return key;
}

/**
 * Builds a key set from a JWKS document. Keys of other types (RSA, EC, …) are skipped;
 * an Ed25519 key that is malformed fails the whole set, so a broken file is noticed.
 * @throws HallmarkError INVALID_KEY
 */
export function keySetFromJwks(jwks: unknown): KeySet {
  return parseOrThrow(jwksSchema, jwks, ErrorCode.INVALID_KEY, 'not a JWKS ({"keys":[…]})')
    .keys.filter((k) => k.kty === 'OKP' && (k as { crv?: unknown }).crv === 'Ed25519')
    .map(trustedKeyFromJwk);
}
