/**
 * The trusted key set as `verify` receives it, without a schema library: the key's type, its
 * window, its thumbprint and the short key reference of the QR form. Building keys from JWKs
 * (with their checks and error wording) is in `keys.ts`, which re-exports this file.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64url, toBase64url, utf8 } from './bytes.ts';
import { ErrorCode, HallmarkError } from './errors.ts';

/** A public Ed25519 JWK as published in our JWKS; `nbf`/`exp` bound the key's signing window. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'Ed25519';
  use: 'sig';
  /** Seconds since the epoch: certificates issued before this time are not accepted from this key. */
  nbf?: number;
  /** Seconds since the epoch: certificates issued after this time are not accepted from this key. */
  exp?: number;
  /**
   * The brand code this key signs for (a member of ours; JOSE tools ignore it, RFC 7517 §4).
   * Pages trust the binding only from a signed trust list, never from a served JWKS.
   */
  brand?: string;
  /** Seconds since the epoch: the key is known to be compromised from this time (our member). */
  cs?: number;
}

/** A key `verify` trusts, with the validity window that applies to certificates' issue time. */
export interface TrustedKey {
  kid: string;
  publicKey: Uint8Array;
  notBefore?: number;
  notAfter?: number;
  /** The brand code the key signs for. Without one, `verify` accepts nothing it signed. */
  brand?: string;
  /** The brand's display name, when the trust material (a trust list) names it. */
  brandName?: string;
  /**
   * The key is compromised from this time: certificates dated from then are refused, and those
   * dated before are only as good as that date (the signer's word), so verifiers flag them.
   */
  compromisedSince?: number;
}

/** The set of keys `verify` trusts. */
export type KeySet = readonly TrustedKey[];

/**
 * RFC 7638 §3 thumbprint of an Ed25519 public key: SHA-256 over the required members
 * `crv`, `kty`, `x` in lexicographic order with no whitespace, base64url-encoded.
 * @throws Error when the key is not 32 bytes.
 */
export function thumbprint(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) {
    throw new HallmarkError(
      ErrorCode.INVALID_KEY,
      `"publicKey" expected 32 bytes, got length=${publicKey.length}`,
    );
  }
  const json = `{"crv":"Ed25519","kty":"OKP","x":"${toBase64url(publicKey)}"}`;
  return toBase64url(sha256(utf8(json)));
}

/** Whether `time` (epoch seconds) falls in the key's validity window. */
export function inKeyWindow(key: TrustedKey, time: number): boolean {
  return (
    (key.notBefore === undefined || time >= key.notBefore) &&
    (key.notAfter === undefined || time <= key.notAfter)
  );
}

/** The first bytes of a kid's thumbprint: the short key reference carried in the QR form. */
export function kidReference(kid: string, length: number): Uint8Array {
  return fromBase64url(kid).subarray(0, length);
}
