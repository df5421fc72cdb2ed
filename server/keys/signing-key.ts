/**
 * Signing keys on the Node side: generation, import from a 32-byte seed, and a signer that
 * uses Node's native (OpenSSL) Ed25519, about ten times faster than a pure-JS signer.
 */
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { fromBase64url } from '../../shared/bytes.ts';
import type { SignFn } from '../../shared/certificate.ts';
import { publicJwk, thumbprint, type PublicJwk } from '../../shared/keys.ts';

/** A private signing key. The seed is reachable only through `exportSeed` and never enumerated. */
export interface SigningKey {
  readonly kid: string;
  readonly publicKey: Uint8Array;
  readonly sign: SignFn;
  /**
   * The 32-byte private seed, for sealing. Keep it out of logs and responses.
   * @throws Error for a key that lives in a hardware token (it never leaves it)
   */
  exportSeed(): Uint8Array;
  /** Where the private key lives when it is not in this process: a PKCS#11 token's key label. */
  readonly pkcs11Label?: string;
  publicJwk(window?: { notBefore?: number; notAfter?: number }): PublicJwk;
}

/** Wraps a Node private KeyObject as a SigningKey. */
export function signingKeyFromKeyObject(privateKey: KeyObject): SigningKey {
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x || !jwk.d) {
    throw new Error('not an Ed25519 private key');
  }
  const publicKey = fromBase64url(jwk.x);
  const kid = thumbprint(publicKey);
  const d = jwk.d;
  const key: SigningKey = {
    kid,
    publicKey,
    sign: (input) => sign(null, input, privateKey),
    exportSeed: () => fromBase64url(d),
    publicJwk: (window) => publicJwk(publicKey, window),
  };
  // A stray console.log or logger call prints the kid only.
  Object.defineProperty(key, 'toJSON', { value: () => ({ kid }), enumerable: false });
  Object.defineProperty(key, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => `SigningKey(${kid})`,
    enumerable: false,
  });
  return key;
}

/** Generates a fresh Ed25519 signing key. */
export function generateSigningKey(): SigningKey {
  return signingKeyFromKeyObject(generateKeyPairSync('ed25519').privateKey);
}

/** Imports a signing key from its 32-byte RFC 8032 seed. */
export function signingKeyFromSeed(seed: Uint8Array, expectedKid?: string): SigningKey {
  if (seed.length !== 32) throw new Error(`"seed" expected 32 bytes, got length=${seed.length}`);
  // Node needs x alongside d in a JWK; derive it via a PKCS#8 import instead.
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const key = signingKeyFromKeyObject(
    createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }),
  );
  if (expectedKid !== undefined && key.kid !== expectedKid) {
    throw new Error(`the private key does not match key id ${expectedKid}`);
  }
  return key;
}
