/**
 * The JWS layer (RFC 7515 compact serialization) of a certificate: the exact protected header
 * we sign with, the signing input, and strict parsing of a compact JWS.
 */
import { fromBase64url, fromUtf8, textToBase64url, toBase64url, utf8 } from './bytes.ts';
import { canonicalClaimsJson, type Claims } from './claims-core.ts';
import { ErrorCode, HallmarkError } from './errors.ts';

/** The algorithm name we sign with: fully specified Ed25519 (RFC 9864). */
export const SIGNING_ALGORITHM = 'Ed25519';
/** Names accepted when verifying: RFC 9864's Ed25519 and RFC 8037's polymorphic EdDSA. */
export const ACCEPTED_ALGORITHMS: readonly string[] = ['Ed25519', 'EdDSA'];

/** The protected header of every certificate signed by `kid`, as exact JSON text. */
export function protectedHeader(kid: string): string {
  return `{"alg":"${SIGNING_ALGORITHM}","kid":${JSON.stringify(kid)}}`;
}

// The encoded header is the same for every certificate of a key: encode it once per kid.
const encodedHeaders = new Map<string, string>();

/** BASE64URL of the protected header for `kid`. */
export function encodedHeader(kid: string): string {
  let header = encodedHeaders.get(kid);
  if (header === undefined) {
    header = textToBase64url(protectedHeader(kid));
    if (encodedHeaders.size > 64) encodedHeaders.clear();
    encodedHeaders.set(kid, header);
  }
  return header;
}

/** The JWS signing input `BASE64URL(header) '.' BASE64URL(payload)` (RFC 7515 §5.1) as text. */
export function signingInputText(claims: Claims, kid: string): string {
  return `${encodedHeader(kid)}.${textToBase64url(canonicalClaimsJson(claims))}`;
}

/** Signs the JWS signing input bytes, returning a 64-byte Ed25519 signature. */
export type SignFn = (signingInput: Uint8Array) => Uint8Array;

/**
 * A compact JWS of `payload` (exact text) under `header`, for the documents other than
 * certificates (status lists, trust lists).
 * @throws HallmarkError MALFORMED when the signer does not return 64 bytes
 */
export function signCompactJws(
  header: Record<string, string>,
  payload: string,
  sign: SignFn,
): string {
  const input = `${textToBase64url(JSON.stringify(header))}.${textToBase64url(payload)}`;
  const signature = sign(utf8(input));
  if (signature.length !== 64)
    throw new HallmarkError(
      ErrorCode.MALFORMED,
      `signer returned ${signature.length} bytes, not 64`,
    );
  return `${input}.${toBase64url(signature)}`;
}

/**
 * A number member of a JWS payload, read WITHOUT verifying: only to choose which of two
 * documents to verify (the newer list), never to trust. -1 when it cannot be read.
 */
export function unverifiedNumber(jws: string | null | undefined, member: string): number {
  try {
    const value = (
      JSON.parse(fromUtf8(fromBase64url(jws!.split('.')[1]!))) as Record<string, unknown>
    )[member];
    return typeof value === 'number' ? value : -1;
  } catch {
    return -1;
  }
}

/** A compact JWS split into its parts, header parsed. */
export interface ParsedJws {
  header: Record<string, unknown>;
  payload: Uint8Array;
  signature: Uint8Array;
  signingInput: Uint8Array;
}

const HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);

/** The JWS payload parsed as JSON. @throws HallmarkError MALFORMED naming `what`. */
export function jsonPayload(parsed: ParsedJws, what: string): unknown {
  try {
    return JSON.parse(fromUtf8(parsed.payload));
  } catch (cause) {
    throw new HallmarkError(ErrorCode.MALFORMED, `${what} is not JSON`, { cause });
  }
}

/**
 * Parses a compact JWS strictly: three base64url parts, a JSON object header holding only
 * `alg`, `kid` and `typ` (anything else, `crit` included, is refused, RFC 7515 §4.1.11).
 * Does not verify. @throws HallmarkError MALFORMED
 */
export function parseCompactJws(jws: string): ParsedJws {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new HallmarkError(ErrorCode.MALFORMED, 'a JWS has three parts');
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  try {
    header = JSON.parse(fromUtf8(fromBase64url(h)));
  } catch (cause) {
    throw new HallmarkError(ErrorCode.MALFORMED, 'JWS header is not base64url JSON', { cause });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new HallmarkError(ErrorCode.MALFORMED, 'JWS header is not a JSON object');
  }
  for (const member of Object.keys(header)) {
    if (!HEADER_MEMBERS.has(member)) {
      throw new HallmarkError(
        ErrorCode.MALFORMED,
        `JWS header member "${member}" is not supported`,
      );
    }
  }
  let payload: Uint8Array;
  let signature: Uint8Array;
  try {
    payload = fromBase64url(p);
    signature = fromBase64url(s);
  } catch (cause) {
    throw new HallmarkError(ErrorCode.MALFORMED, 'JWS payload or signature is not base64url', {
      cause,
    });
  }
  return {
    header: header as Record<string, unknown>,
    payload,
    signature,
    signingInput: utf8(`${h}.${p}`),
  };
}
