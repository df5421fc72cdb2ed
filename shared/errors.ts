/**
 * Stable failure codes of the certificate core. Callers (the server, the page, the CLI)
 * branch on `code`, never on message text.
 */
export const ErrorCode = {
  /** The input is not any form of Hallmark certificate (no URL fragment, no JWS, no digits). */
  NOT_A_CERTIFICATE: 'NOT_A_CERTIFICATE',
  /** The input looks like a certificate but is damaged or incomplete: bad digits, bad encoding, wrong length. */
  MALFORMED: 'MALFORMED',
  /** The certificate declares a format version this verifier does not know. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** No trusted key matches the certificate's key reference. */
  UNKNOWN_KEY: 'UNKNOWN_KEY',
  /** The key is known, but the certificate's issue time is outside the key's validity window. */
  KEY_NOT_VALID_AT_ISSUE_TIME: 'KEY_NOT_VALID_AT_ISSUE_TIME',
  /** The JWS header names an algorithm other than Ed25519 / EdDSA (including `none`). */
  BAD_ALGORITHM: 'BAD_ALGORITHM',
  /** The signature does not verify: the certificate was altered or not signed by that key. */
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  /**
   * The signature verifies, but the key is trusted for another brand than the certificate's
   * `iss` (or for no brand at all): a key signs for exactly one brand.
   */
  KEY_NOT_FOR_BRAND: 'KEY_NOT_FOR_BRAND',
  /**
   * The key was compromised, and the certificate is dated at or after the compromise: whoever
   * holds the stolen key could have made it.
   */
  KEY_COMPROMISED: 'KEY_COMPROMISED',
  /** The signature verifies but the claims break the schema. */
  CLAIMS_INVALID: 'CLAIMS_INVALID',
  /** The issue time is later than now, beyond the tolerated clock skew. */
  ISSUED_IN_FUTURE: 'ISSUED_IN_FUTURE',
  /** Input to a producing function (sign, encode) is invalid; carries the failing field paths. */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** A trust list is not signed by a trusted root, is malformed, or is older than one already seen. */
  TRUST_LIST_INVALID: 'TRUST_LIST_INVALID',
  /** A signed note (a log checkpoint) is malformed, or no trusted key's signature on it verifies. */
  NOTE_INVALID: 'NOTE_INVALID',
  /** A Merkle inclusion or consistency proof does not hold. */
  PROOF_INVALID: 'PROOF_INVALID',
  /** A key could not be imported or does not match its declared key id. */
  INVALID_KEY: 'INVALID_KEY',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One failing field: a dotted path and the reason. */
export interface FieldError {
  path: string;
  message: string;
}

/** The one error class of the core: a stable `code`, a human message, optional field errors and cause. */
export class HallmarkError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldError[] | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { fields?: FieldError[]; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HallmarkError';
    this.code = code;
    this.fields = options?.fields;
  }
}
