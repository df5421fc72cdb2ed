/**
 * The one verifier, for the server, the CLI and the page alike. Pure: input, trusted keys and
 * the current time in; a verdict out. It never throws and never accepts on an error.
 *
 * This file holds all of it but the claims' schema: `verify.ts` runs it with the zod schema,
 * which words every failing field; the page's first check (web/src/boot.ts) runs it with the
 * schema-free rules of claims-core.ts, which accept exactly what the schema accepts (a
 * property test holds them equal) and leave the wording of a refusal to the full verifier.
 */
import { equalBytes, utf8 } from './bytes.ts';
import { ed25519VerifyStrict } from './ed25519.ts';
import { canonicalClaimsJson, cleanClaims, FORMAT_VERSION, type Claims } from './claims-core.ts';
import type { CompactCertificate } from './compact.ts';
import { ErrorCode, HallmarkError, type FieldError } from './errors.ts';
import { ACCEPTED_ALGORITHMS, jsonPayload, parseCompactJws, signingInputText } from './jws.ts';
import { inKeyWindow, type KeySet, type TrustedKey } from './key-set.ts';
import { candidateKeys, fromDigits, fromQr, jwsFor, MAX_QR_TEXT } from './qr.ts';

/** Default tolerance for a device clock that runs ahead of the issuer's, in seconds. */
export const DEFAULT_CLOCK_SKEW = 300;

/** Verification options. `now` is required: the verifier never reads a clock. */
export interface VerifyOptions {
  /** The current time, as a Date or seconds since the epoch. */
  now: Date | number;
  /** How far in the future an issue time may be before it is refused (seconds, default 300). */
  clockSkew?: number;
}

/** Which form the input came in. */
export type InputForm = 'url' | 'digits' | 'jws';

/** A successful verification. */
export interface Verified {
  ok: true;
  claims: Claims;
  kid: string;
  /** The brand's display name from the trust material, when it names one (a trust list does). */
  brandName?: string;
  /**
   * Set when the key was compromised after the certificate's date. The date is the signer's
   * word, so a key thief could have backdated it: only the brand's registry can confirm that
   * it issued this certificate. Callers must not treat it as fully authentic without that.
   */
  keyCompromisedSince?: number;
  form: InputForm;
  /** The standard compact JWS, rebuilt when the input was a QR form. */
  jws: string;
  /**
   * The issuance-log index the QR form carries. Unsigned: a hint of where to look, true only
   * once an inclusion proof at that index holds this JWS's leaf (`shared/tlog/inclusion.ts`).
   */
  logIndex?: number;
}

/** A failed verification, with a stable code. */
export interface Rejected {
  ok: false;
  code: ErrorCode;
  message: string;
  fields?: FieldError[];
}

export type Verdict = Verified | Rejected;

// Anything shaped like a JWS (base64 of either alphabet, padding included) is treated as one, so
// a damaged JWS is MALFORMED, not "not a certificate"; the strict decoder then refuses what is
// not canonical base64url. The signature part may be empty so `alg: none` reaches the alg check.
const JWS_SHAPE = /^[A-Za-z0-9_\-+/=]+\.[A-Za-z0-9_\-+/=]*\.[A-Za-z0-9_\-+/=]*$/;
const URL_START = /^https?:\/\//i;

/**
 * Checks a certificate's claims (their version first) and returns them, or throws a
 * HallmarkError (UNSUPPORTED_VERSION, CLAIMS_INVALID with fields).
 */
export type ClaimsCheck = (claims: unknown) => Claims;

/**
 * `verify` with the claims checked by `checkClaims` (verify.ts passes the zod schema).
 * Never throws; fails closed.
 */
export function verifyWith(
  input: unknown,
  keys: KeySet,
  options: VerifyOptions,
  checkClaims: ClaimsCheck,
): Verdict {
  try {
    return verifyOrThrow(input, keys, options, checkClaims);
  } catch (error) {
    // Fail closed: whatever went wrong, the answer is a rejection with a code.
    if (error instanceof HallmarkError) {
      const rejected: Rejected = { ok: false, code: error.code, message: error.message };
      if (error.fields) rejected.fields = error.fields;
      return rejected;
    }
    return { ok: false, code: ErrorCode.MALFORMED, message: 'the certificate could not be read' };
  }
}

function verifyOrThrow(
  input: unknown,
  keys: KeySet,
  options: VerifyOptions,
  checkClaims: ClaimsCheck,
): Verified {
  if (typeof input !== 'string')
    throw new HallmarkError(ErrorCode.NOT_A_CERTIFICATE, 'input is not text');
  const text = input.trim();
  if (text.length > MAX_QR_TEXT) throw new HallmarkError(ErrorCode.MALFORMED, 'input is too long');
  const now = nowSeconds(options.now);
  const skew = options.clockSkew ?? DEFAULT_CLOCK_SKEW;
  let result: { claims: Claims; key: TrustedKey; jws: string; form: InputForm; logIndex?: number };
  if (URL_START.test(text)) {
    const compact = fromQr(text).certificate;
    result = {
      ...verifyCompact(compact, keys, checkClaims),
      form: 'url',
      logIndex: compact.logIndex,
    };
  } else if (/^[0-9]+$/.test(text)) {
    const compact = fromDigits(text);
    result = {
      ...verifyCompact(compact, keys, checkClaims),
      form: 'digits',
      logIndex: compact.logIndex,
    };
  } else if (JWS_SHAPE.test(text)) {
    result = { ...verifyJws(text, keys, checkClaims), jws: text, form: 'jws' };
  } else {
    throw new HallmarkError(ErrorCode.NOT_A_CERTIFICATE, 'not a Hallmark certificate');
  }
  const { claims, key } = result;
  // A key signs for exactly one brand: a certificate naming another brand is a forgery, even
  // with a valid signature (whoever holds brand A's key must not mint brand B's papers).
  if (key.brand !== claims.iss) {
    throw new HallmarkError(
      ErrorCode.KEY_NOT_FOR_BRAND,
      key.brand === undefined
        ? 'the signing key is not bound to any brand'
        : `the certificate names brand ${claims.iss}, but its key signs for ${key.brand}`,
    );
  }
  if (key.compromisedSince !== undefined && claims.iat >= key.compromisedSince) {
    throw new HallmarkError(
      ErrorCode.KEY_COMPROMISED,
      'the signing key was compromised before this certificate was dated',
    );
  }
  if (!inKeyWindow(key, claims.iat)) {
    throw new HallmarkError(
      ErrorCode.KEY_NOT_VALID_AT_ISSUE_TIME,
      'the signing key was not in service when this certificate was issued',
    );
  }
  if (claims.iat > now + skew) {
    throw new HallmarkError(ErrorCode.ISSUED_IN_FUTURE, 'the certificate is dated in the future');
  }
  const verified: Verified = { ok: true, claims, kid: key.kid, form: result.form, jws: result.jws };
  if (key.brandName !== undefined) verified.brandName = key.brandName;
  if (key.compromisedSince !== undefined) verified.keyCompromisedSince = key.compromisedSince;
  if (result.logIndex !== undefined) verified.logIndex = result.logIndex;
  return verified;
}

function nowSeconds(now: Date | number): number {
  const seconds = typeof now === 'number' ? now : now.getTime() / 1000;
  if (!Number.isFinite(seconds))
    throw new HallmarkError(ErrorCode.MALFORMED, '"now" is not a time');
  return Math.floor(seconds);
}

/**
 * Ed25519 verification, RFC 8032 §5.1.7 in strict mode (`zip215: false`: canonical encodings
 * of R, A and S required), the one policy for page, server and CLI. Returns false, never
 * throws, for malformed inputs (noble throws on some of them).
 */
export function verifySignature(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return ed25519VerifyStrict(signature, message, publicKey);
}

const signatureValid = (signature: Uint8Array, message: Uint8Array, key: TrustedKey) =>
  verifySignature(signature, message, key.publicKey);

function verifyCompact(
  cert: CompactCertificate,
  keys: KeySet,
  checkClaims: ClaimsCheck,
): { claims: Claims; key: TrustedKey; jws: string } {
  const candidates = candidateKeys(cert, keys);
  if (candidates.length === 0) {
    throw new HallmarkError(ErrorCode.UNKNOWN_KEY, 'signed by a key that is not trusted');
  }
  // Signature first: a changed claim is "altered", whatever the schema would say about it.
  const key = candidates.find((k) =>
    signatureValid(cert.signature, utf8(signingInputText(cert.claims, k.kid)), k),
  );
  if (!key)
    throw new HallmarkError(
      ErrorCode.SIGNATURE_INVALID,
      'the signature does not match: the certificate was altered',
    );
  return { claims: checkClaims(cert.claims), key, jws: jwsFor(cert, key.kid) };
}

function verifyJws(
  jws: string,
  keys: KeySet,
  checkClaims: ClaimsCheck,
): { claims: Claims; key: TrustedKey } {
  const parsed = parseCompactJws(jws);
  const { alg, kid } = parsed.header;
  if (typeof alg !== 'string' || !ACCEPTED_ALGORITHMS.includes(alg)) {
    throw new HallmarkError(
      ErrorCode.BAD_ALGORITHM,
      `algorithm ${JSON.stringify(alg)} is not accepted`,
    );
  }
  if (typeof kid !== 'string')
    throw new HallmarkError(ErrorCode.UNKNOWN_KEY, 'the JWS header names no key');
  const key = keys.find((k) => k.kid === kid);
  if (!key) throw new HallmarkError(ErrorCode.UNKNOWN_KEY, 'signed by a key that is not trusted');
  if (parsed.signature.length !== 64)
    throw new HallmarkError(ErrorCode.MALFORMED, 'the signature is not 64 bytes');
  if (!signatureValid(parsed.signature, parsed.signingInput, key)) {
    throw new HallmarkError(
      ErrorCode.SIGNATURE_INVALID,
      'the signature does not match: the certificate was altered',
    );
  }
  const claims = checkClaims(jsonPayload(parsed, 'the payload'));
  // Only the canonical JSON has a QR form; anything else was not produced by Hallmark.
  if (!equalBytes(utf8(canonicalClaimsJson(claims)), parsed.payload)) {
    throw new HallmarkError(ErrorCode.MALFORMED, 'the payload is not in canonical form');
  }
  return { claims, key };
}

/** Refuses a format version this code does not read, before any other rule. */
export function checkVersion(claims: unknown): void {
  if (
    typeof claims === 'object' &&
    claims !== null &&
    'v' in claims &&
    claims.v !== FORMAT_VERSION
  ) {
    throw new HallmarkError(
      ErrorCode.UNSUPPORTED_VERSION,
      `format version ${String(claims.v)} is not supported`,
    );
  }
}

/**
 * The claims check without a schema: what the schema accepts, and a refusal without field
 * details for the rest (the full verifier gives those).
 */
export const checkClaimsRules: ClaimsCheck = (claims) => {
  checkVersion(claims);
  const clean = cleanClaims(claims);
  if (!clean)
    throw new HallmarkError(ErrorCode.CLAIMS_INVALID, 'the certificate claims are invalid');
  return clean;
};
