/** Deterministic test keys and claims shared by the tests (Ed25519 signatures are deterministic). */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../../shared/bytes.ts';
import type { Claims } from '../../shared/claims.ts';
import { keySetFromJwks, type KeySet } from '../../shared/keys.ts';
import { signingKeyFromSeed, type SigningKey } from '../../server/keys/signing-key.ts';

/** A signing key derived from a label, the same on every run. */
export function testKey(label: string): SigningKey {
  return signingKeyFromSeed(sha256(utf8(`hallmark test key: ${label}`)));
}

/** 2026-09-21T14:13:20Z, the frozen "now" of the tests. */
export const NOW = 1_790_000_000;

/** The typical certificate of the issue: a Hublot Big Bang. */
export function sampleClaims(overrides: Partial<Claims> = {}): Claims {
  return {
    v: 1,
    iss: 'HUB',
    sn: 'HB26A0012345',
    ref: '441.NX.1170.RX',
    mdl: 'Big Bang Unico 42 mm',
    cas: 'King Gold',
    cal: 'HUB1280',
    mfd: '2026-03-02',
    iat: NOW - 3600,
    sli: 1_234_567,
    gen: 1,
    ...overrides,
  };
}

/** A key set trusting the given keys for their brand (default HUB, the sample's), through a JWKS. */
export function trust(
  ...keys: { key: SigningKey; notBefore?: number; notAfter?: number; brand?: string }[]
): KeySet {
  return keySetFromJwks({
    keys: keys.map(({ key, notBefore, notAfter, brand }) => ({
      ...key.publicJwk({
        ...(notBefore === undefined ? {} : { notBefore }),
        ...(notAfter === undefined ? {} : { notAfter }),
      }),
      brand: brand ?? 'HUB',
    })),
  });
}

export const BASE_URL = 'https://verify.hallmark.example/';
