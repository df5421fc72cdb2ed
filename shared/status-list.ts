/**
 * The signed status list (in the spirit of the W3C Bitstring Status List): 2 bits per
 * certificate, indexed by its status-list index, gzip-compressed and base64url-encoded in a
 * JWS signed by the brand key. One static file for everybody: fetching it tells the server
 * nothing about which watch is being checked. Pure: (de)compression is done by the caller
 * (zlib in Node; in the page, the browser's DecompressionStream, or fflate where it has none).
 */
import { isIntIn, isIssuerCode } from './claims-core.ts';
import { ErrorCode, HallmarkError, type FieldError } from './errors.ts';
import { jsonPayload, parseCompactJws } from './jws.ts';
import { inKeyWindow, type KeySet, type TrustedKey } from './key-set.ts';
import { verifySignature } from './verify-core.ts';

/** Entries per status list (2^20): fixed, so a verifier finds the list from the index alone. */
export const STATUS_LIST_SIZE = 1 << 20;

/** Status values, 2 bits each. 0 is also what an unused position holds. */
export const STATUS_CODES = { active: 0, revoked: 1, stolen: 2, replaced: 3 } as const;
export type CertificateStatus = keyof typeof STATUS_CODES;
const STATUS_NAMES: CertificateStatus[] = ['active', 'revoked', 'stolen', 'replaced'];

/** The JWS header `typ` of a status list. */
export const STATUS_LIST_TYP = 'statuslist+jwt';

/** A status list's payload. */
export interface StatusListPayload {
  /** Brand code. */
  iss: string;
  /** List number: this list covers indexes lst·size … (lst+1)·size − 1. */
  lst: number;
  size: number;
  bits: 2;
  /** Issue time of the list (epoch seconds). */
  iat: number;
  /** How long the list may be relied on, in seconds; past it, statuses may be out of date. */
  ttl: number;
  /** base64url(gzip(bitstring)), most significant bits first within each byte. */
  lst_gz: string;
}

const intIn = (min: number, max: number) => (v: unknown) => isIntIn(v, min, max);

/** Each member's rule and the words for breaking it (written by hand: no schema on the page). */
const PAYLOAD_RULES: Record<keyof StatusListPayload, [(v: unknown) => boolean, string]> = {
  iss: [isIssuerCode, 'must be a brand code'],
  lst: [intIn(0, Number.MAX_SAFE_INTEGER), 'must be an integer ≥ 0'],
  size: [intIn(8, 1 << 24), `must be an integer from 8 to ${1 << 24}`],
  bits: [(v) => v === 2, 'must be 2'],
  iat: [intIn(0, Number.MAX_SAFE_INTEGER), 'must be an integer ≥ 0'],
  ttl: [intIn(60, 30 * 86_400), `must be an integer from 60 to ${30 * 86_400}`],
  lst_gz: [(v) => typeof v === 'string' && /^[A-Za-z0-9_-]+$/.test(v), 'must be base64url'],
};

/**
 * A status list's payload, checked member by member: exactly these members, each to its rule.
 * @throws HallmarkError CLAIMS_INVALID with every failing field
 */
export function parseStatusListPayload(input: unknown): StatusListPayload {
  const fields: FieldError[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    fields.push({ path: '(root)', message: 'must be an object' });
  else {
    const record = input as Record<string, unknown>;
    for (const key of Object.keys(record))
      if (!Object.hasOwn(PAYLOAD_RULES, key))
        fields.push({ path: key, message: 'is not a known field' });
    for (const [key, [valid, message]] of Object.entries(PAYLOAD_RULES)) {
      if (!Object.hasOwn(record, key)) fields.push({ path: key, message: 'is required' });
      else if (!valid(record[key])) fields.push({ path: key, message });
    }
  }
  if (fields.length > 0)
    throw new HallmarkError(ErrorCode.CLAIMS_INVALID, 'status list payload is invalid', {
      fields,
    });
  return input as StatusListPayload;
}

/** Sets `index`'s 2-bit status in a bitstring of `size` entries. */
export function setStatus(bits: Uint8Array, index: number, status: CertificateStatus): void {
  const byte = index >> 2;
  const shift = 6 - 2 * (index & 3);
  bits[byte] = (bits[byte]! & ~(3 << shift)) | (STATUS_CODES[status] << shift);
}

/** Reads `index`'s status from a bitstring. */
export function statusAt(bits: Uint8Array, index: number): CertificateStatus {
  const byte = bits[index >> 2];
  if (byte === undefined)
    throw new HallmarkError(ErrorCode.MALFORMED, 'index outside the status list');
  return STATUS_NAMES[(byte >> (6 - 2 * (index & 3))) & 3]!;
}

/** Which list and position a status-list index falls in. */
export function listPosition(
  statusIndex: number,
  size: number,
): { list: number; position: number } {
  return { list: Math.floor(statusIndex / size), position: statusIndex % size };
}

/** What the certificate being checked expects of its list. */
export interface ExpectedList {
  /** The certificate's brand code (`iss`). */
  issuer: string;
  /** The list the certificate's status index falls in. */
  list: number;
}

/**
 * Verifies a status list JWS against trusted keys: header `typ: statuslist+jwt`, Ed25519,
 * a known key of the list's own brand, in its validity window when the list was issued, a
 * valid signature, a well-formed payload, and the brand and list number the certificate
 * asked for (a validly signed list of another brand or number is refused, not read).
 * Freshness is the caller's to judge (it shows the list's date and whether its TTL passed).
 * @throws HallmarkError with UNKNOWN_KEY, BAD_ALGORITHM, SIGNATURE_INVALID, KEY_NOT_FOR_BRAND,
 *   KEY_NOT_VALID_AT_ISSUE_TIME, MALFORMED or CLAIMS_INVALID
 */
export function verifyStatusList(
  jws: string,
  keys: KeySet,
  expected: ExpectedList,
): StatusListPayload {
  const parsed = parseCompactJws(jws.trim());
  if (parsed.header.typ !== STATUS_LIST_TYP)
    throw new HallmarkError(ErrorCode.MALFORMED, 'not a status list');
  if (parsed.header.alg !== 'Ed25519' && parsed.header.alg !== 'EdDSA')
    throw new HallmarkError(ErrorCode.BAD_ALGORITHM, 'status list algorithm not accepted');
  const key = keys.find((k) => k.kid === parsed.header.kid);
  if (!key) throw new HallmarkError(ErrorCode.UNKNOWN_KEY, 'status list signed by an unknown key');
  if (!verifySignature(parsed.signature, parsed.signingInput, key.publicKey)) {
    throw new HallmarkError(
      ErrorCode.SIGNATURE_INVALID,
      'the status list signature does not match',
    );
  }
  const payload = parseStatusListPayload(jsonPayload(parsed, 'the status list payload'));
  checkStatusListKey(key, payload, expected);
  return payload;
}

/**
 * What `verifyStatusList` requires of a list's key beyond the signature: a key of the list's
 * own brand, which the certificate asked for, not compromised and in its window when the list
 * was issued. Also for a list verified earlier and kept decoded, against today's keys.
 * @throws HallmarkError KEY_NOT_FOR_BRAND, MALFORMED, KEY_COMPROMISED or KEY_NOT_VALID_AT_ISSUE_TIME
 */
export function checkStatusListKey(
  key: TrustedKey,
  payload: Pick<StatusListPayload, 'iss' | 'lst' | 'iat'>,
  expected: ExpectedList,
): void {
  if (key.brand === undefined || key.brand !== payload.iss || payload.iss !== expected.issuer)
    throw new HallmarkError(
      ErrorCode.KEY_NOT_FOR_BRAND,
      `status list of ${payload.iss}, signed for ${key.brand ?? 'no brand'}; expected ${expected.issuer}`,
    );
  if (payload.lst !== expected.list)
    throw new HallmarkError(
      ErrorCode.MALFORMED,
      `status list ${payload.lst} served where list ${expected.list} was asked for`,
    );
  if (key.compromisedSince !== undefined && payload.iat >= key.compromisedSince)
    throw new HallmarkError(
      ErrorCode.KEY_COMPROMISED,
      'the status list was signed after its key was compromised',
    );
  if (!inKeyWindow(key, payload.iat))
    throw new HallmarkError(
      ErrorCode.KEY_NOT_VALID_AT_ISSUE_TIME,
      "the status list was signed outside its key's validity window",
    );
}
