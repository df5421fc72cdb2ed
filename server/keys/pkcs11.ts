/**
 * Brand keys in a hardware security module, through PKCS#11: keys are generated in the token
 * (sensitive, never extractable), found by label, and sign with CKM_EDDSA. The service holds a
 * session, never key material. One token per process, opened on first use.
 */
import { randomBytes } from 'node:crypto';
import { publicJwk, thumbprint } from '../../shared/keys.ts';
import {
  findKey,
  generateKey,
  openToken,
  Pkcs11Failure,
  signWith,
  type Pkcs11Config,
  type Token,
} from './pkcs11-core.mjs';
import type { SigningKey } from './signing-key.ts';

export { Pkcs11Failure, type Pkcs11Config };

/** A key in the token, as a SigningKey: signing goes to the token, the seed never exists here. */
function tokenKey(token: Token, label: string): SigningKey {
  const { privateKey, publicKey } = findKey(token, label);
  const kid = thumbprint(publicKey);
  const key: SigningKey = {
    kid,
    publicKey,
    pkcs11Label: label,
    sign: (input) => signWith(token, privateKey, input),
    exportSeed: () => {
      throw new Error(`key ${kid} lives in a PKCS#11 token and never leaves it`);
    },
    publicJwk: (window) => publicJwk(publicKey, window),
  };
  Object.defineProperty(key, 'toJSON', {
    value: () => ({ kid, pkcs11: label }),
    enumerable: false,
  });
  Object.defineProperty(key, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => `SigningKey(${kid}, PKCS#11 "${label}")`,
    enumerable: false,
  });
  return key;
}

/** The PKCS#11 token of this process, opened on first use. */
export class Pkcs11Keys {
  private token: Token | undefined;

  constructor(readonly config: Pkcs11Config) {}

  private open(): Token {
    return (this.token ??= openToken(this.config));
  }

  /** The key labelled `label`, checked against the public key the registry holds for it. */
  key(label: string, expectedKid?: string): SigningKey {
    const key = tokenKey(this.open(), label);
    if (expectedKid !== undefined && key.kid !== expectedKid)
      throw new Pkcs11Failure(
        `the key labelled "${label}" in the token is not key ${expectedKid}`,
        'KEY',
      );
    return key;
  }

  /** Generates a key pair for `brand` (or for `root`) in the token and returns it. */
  generate(brand: string, now: number): SigningKey {
    const stamp = new Date(now * 1000).toISOString().replace(/[-:]/g, '').slice(0, 15);
    const label = `hallmark-${brand}-${stamp}-${randomBytes(3).toString('hex')}`;
    generateKey(this.open(), label, randomBytes(8));
    return this.key(label);
  }
}
