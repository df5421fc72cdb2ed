/**
 * The compact binary form of a certificate, the bytes behind the QR digits:
 *
 *   version (1 byte; +0x80 when a log index follows) | [log index (LEB128)] |
 *   key reference (first 4 bytes of the kid thumbprint) |
 *   iss sn ref mdl cas cal (each: LEB128 length + UTF-8) |
 *   mfd (LEB128 days since 1900-01-01) | iat (LEB128 seconds since 2020-01-01) |
 *   sli | gen (LEB128) | signature (64 bytes)
 *
 * The JWS header is not carried: it is the same for every certificate of a key, so the
 * verifier rebuilds it from the trusted key the reference points to. The payload is rebuilt
 * as canonical JSON from the decoded claims, so the standard compact JWS is always
 * recoverable (`toJws`). The log index is not signed: it says where the public issuance log
 * holds the certificate, and only an inclusion proof at that index makes it true (a changed
 * index finds another leaf and proves nothing). Decoding is strict (minimal LEB128, exact length, strict UTF-8) and
 * re-encodes to check, so one certificate has exactly one byte form.
 */
import { concatBytes, equalBytes, fromUtf8, utf8 } from './bytes.ts';
import {
  daysToDate,
  dateToDays,
  FORMAT_VERSION,
  MIN_ISSUED_AT,
  type Claims,
} from './claims-core.ts';
import type { Certificate } from './certificate.ts';
import { ErrorCode, HallmarkError } from './errors.ts';
import { kidReference } from './key-set.ts';

/** Bytes of the key reference in the compact form. */
export const KID_REFERENCE_LENGTH = 4;
const SIGNATURE_LENGTH = 64;
/** Upper bound on the compact form, so junk never costs more than a bounded parse. */
export const MAX_COMPACT_BYTES = 1024;
/** The version byte's flag for "a log index follows". */
const LOGGED = 0x80;
/** Log indexes fit the decoder's 5-byte LEB128 (35 bits). */
export const MAX_LOG_INDEX = 2 ** 35 - 1;

const TEXT_FIELDS = ['iss', 'sn', 'ref', 'mdl', 'cas', 'cal'] as const;
const INT_FIELDS = ['sli', 'gen'] as const;

/** A decoded compact certificate. Claims have the right types but are not yet schema-checked. */
export interface CompactCertificate {
  version: number;
  kidReference: Uint8Array;
  claims: Claims;
  signature: Uint8Array;
  /** Where the issuance log holds it, as the card says (unsigned: prove it with the log). */
  logIndex?: number;
}

function writeVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`varint: ${value} out of range`);
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

const MAX_DAYS = dateToDays('2099-12-31')!;

/** The claims part of the compact form (everything but version, key reference and signature). */
function encodeClaimsBody(c: Claims): Uint8Array {
  const body: number[] = [];
  for (const field of TEXT_FIELDS) {
    const bytes = utf8(c[field]);
    writeVarint(body, bytes.length);
    for (const b of bytes) body.push(b);
  }
  const days = dateToDays(c.mfd);
  if (days === undefined) throw new RangeError(`mfd: ${c.mfd} is not a date`);
  writeVarint(body, days);
  writeVarint(body, c.iat - MIN_ISSUED_AT);
  for (const field of INT_FIELDS) writeVarint(body, c[field]);
  return Uint8Array.from(body);
}

/** Encodes a certificate in the compact binary form. @throws RangeError on out-of-range numbers. */
export function encodeCompact(
  cert: Pick<Certificate, 'claims' | 'kid' | 'signature' | 'logIndex'>,
): Uint8Array {
  const head: number[] = [cert.claims.v];
  if (cert.logIndex !== undefined) {
    if (cert.logIndex > MAX_LOG_INDEX) throw new RangeError(`log index ${cert.logIndex} too large`);
    head[0]! |= LOGGED;
    writeVarint(head, cert.logIndex);
  }
  return concatBytes(
    Uint8Array.from(head),
    kidReference(cert.kid, KID_REFERENCE_LENGTH),
    encodeClaimsBody(cert.claims),
    cert.signature,
  );
}

class Reader {
  offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly end: number,
  ) {}

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw malformed('truncated number');
      const b = this.bytes[this.offset++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (i > 0 && b === 0) throw malformed('non-minimal number encoding');
        return value;
      }
      scale *= 0x80;
    }
    throw malformed('number too long');
  }

  text(): string {
    const length = this.varint();
    if (length > this.end - this.offset) throw malformed('truncated text');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    try {
      return fromUtf8(slice);
    } catch (cause) {
      throw new HallmarkError(ErrorCode.MALFORMED, 'text is not valid UTF-8', { cause });
    }
  }
}

function malformed(message: string): HallmarkError {
  return new HallmarkError(ErrorCode.MALFORMED, message);
}

/**
 * The status-list index of a compact form, read without decoding or checking anything else:
 * only to choose which public status list to fetch while the certificate is verified (the
 * verified index must then point to the same list). Undefined when the bytes do not reach it.
 */
export function peekStatusIndex(bytes: Uint8Array): number | undefined {
  try {
    const reader = new Reader(bytes, bytes.length - SIGNATURE_LENGTH);
    reader.offset = 1;
    if ((bytes[0]! & LOGGED) !== 0) reader.varint();
    reader.offset += KID_REFERENCE_LENGTH;
    for (let field = 0; field < TEXT_FIELDS.length; field++) {
      const length = reader.varint(); // read before the offset it moves is added to
      reader.offset += length;
    }
    reader.varint(); // mfd
    reader.varint(); // iat
    return reader.varint();
  } catch {
    return undefined;
  }
}

/**
 * Decodes the compact binary form strictly.
 * @throws HallmarkError MALFORMED or UNSUPPORTED_VERSION
 */
export function decodeCompact(bytes: Uint8Array): CompactCertificate {
  if (bytes.length > MAX_COMPACT_BYTES)
    throw malformed(`certificate is ${bytes.length} bytes, over the limit`);
  if (bytes.length < 1 + KID_REFERENCE_LENGTH + SIGNATURE_LENGTH + 1)
    throw malformed('certificate is too short');
  const version = bytes[0]! & ~LOGGED;
  if (version !== FORMAT_VERSION) {
    throw new HallmarkError(
      ErrorCode.UNSUPPORTED_VERSION,
      `format version ${version} is not supported`,
    );
  }
  const end = bytes.length - SIGNATURE_LENGTH;
  const reader = new Reader(bytes, end);
  reader.offset = 1;
  const logIndex = (bytes[0]! & LOGGED) !== 0 ? reader.varint() : undefined;
  const kidAt = reader.offset;
  if (end - kidAt < KID_REFERENCE_LENGTH) throw malformed('certificate is too short');
  reader.offset += KID_REFERENCE_LENGTH;
  const text = {} as Record<(typeof TEXT_FIELDS)[number], string>;
  for (const field of TEXT_FIELDS) text[field] = reader.text();
  const days = reader.varint();
  if (days > MAX_DAYS) throw malformed('manufacture date out of range');
  const mfd = daysToDate(days);
  const iat = reader.varint() + MIN_ISSUED_AT;
  const ints = {} as Record<(typeof INT_FIELDS)[number], number>;
  for (const field of INT_FIELDS) ints[field] = reader.varint();
  if (reader.offset !== end) throw malformed('unexpected bytes after the claims');
  const claims: Claims = { v: FORMAT_VERSION, ...text, mfd, iat, ...ints };
  const decoded: CompactCertificate = {
    version,
    kidReference: bytes.slice(kidAt, kidAt + KID_REFERENCE_LENGTH),
    claims,
    signature: bytes.slice(end),
  };
  if (logIndex !== undefined) decoded.logIndex = logIndex;
  // Fail closed on any second byte form of the same certificate.
  if (!equalBytes(encodeClaimsBody(claims), bytes.subarray(kidAt + KID_REFERENCE_LENGTH, end))) {
    throw malformed('non-canonical encoding');
  }
  return decoded;
}
