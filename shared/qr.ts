/**
 * The QR form of a certificate: a URL whose fragment carries the compact binary form as
 * decimal digits. `HTTPS://HOST/#0123…`: the scheme and host are written in upper case so
 * they ride in QR alphanumeric mode (5.5 bits a character), the digits ride in numeric mode
 * (3.33 bits a digit), and the fragment is never sent to any server by a browser.
 */
import { equalBytes, toBase64url } from './bytes.ts';
import type { Certificate } from './certificate.ts';
import {
  decodeCompact,
  encodeCompact,
  KID_REFERENCE_LENGTH,
  type CompactCertificate,
} from './compact.ts';
import { bytesToDigits, digitsToBytes } from './digits.ts';
import { ErrorCode, HallmarkError } from './errors.ts';
import { signingInputText } from './jws.ts';
import { kidReference, type KeySet, type TrustedKey } from './key-set.ts';

/** One QR segment, in the shape the `qrcode` package takes for explicit segments. */
export interface QrSegment {
  data: string;
  mode: 'alphanumeric' | 'byte' | 'numeric';
}

/** The text to put in a QR code, how to segment it, and the same link in usual (lower) case. */
export interface QrForm {
  text: string;
  segments: QrSegment[];
  url: string;
}

/** Longest QR text we read: a version 40 QR holds 7,089 digits; anything longer is junk. */
export const MAX_QR_TEXT = 7100;

const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;
const BASE_URL = /^(https?:\/\/[^\s/?#]+)(\/[^\s?#]*)?$/i;

/**
 * Normalises a verification base URL: http(s) only, no query or fragment, path ending in '/'.
 * @throws HallmarkError VALIDATION_FAILED
 */
export function normaliseBaseUrl(baseUrl: string): { origin: string; path: string } {
  const m = BASE_URL.exec(baseUrl.trim());
  if (!m) {
    throw new HallmarkError(ErrorCode.VALIDATION_FAILED, 'base URL must be http(s)://host/path', {
      fields: [{ path: 'baseUrl', message: 'must be an http(s) URL without query or fragment' }],
    });
  }
  let path = m[2] ?? '/';
  if (!path.endsWith('/')) path += '/';
  return { origin: m[1]!, path };
}

/** Whether `url` is a usable verification base URL (see normaliseBaseUrl). */
export function isBaseUrl(url: string): boolean {
  try {
    normaliseBaseUrl(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * The QR form of a certificate under a verification page's base URL.
 * Scheme and host are upper-cased (both are case-insensitive); the path keeps its case
 * and falls back to byte mode if upper-casing it would change it.
 */
export function toQr(
  cert: Pick<Certificate, 'claims' | 'kid' | 'signature' | 'logIndex'>,
  baseUrl: string,
): QrForm {
  const { origin, path } = normaliseBaseUrl(baseUrl);
  const digits = bytesToDigits(encodeCompact(cert));
  const upperOrigin = origin.toUpperCase();
  // '#' is not in the QR alphanumeric set, so it always takes a (one-character) byte segment.
  const segments: QrSegment[] = ALPHANUMERIC.test(upperOrigin + path)
    ? [
        { data: upperOrigin + path, mode: 'alphanumeric' },
        { data: '#', mode: 'byte' },
      ]
    : [
        ALPHANUMERIC.test(upperOrigin)
          ? { data: upperOrigin, mode: 'alphanumeric' }
          : { data: origin, mode: 'byte' },
        { data: `${path}#`, mode: 'byte' },
      ];
  segments.push({ data: digits, mode: 'numeric' });
  return {
    text: segments.map((s) => s.data).join(''),
    segments,
    url: `${origin.toLowerCase()}${path}#${digits}`,
  };
}

/** A parsed QR text: where it points and the decoded compact certificate. */
export interface ParsedQr {
  baseUrl: string;
  digits: string;
  certificate: CompactCertificate;
}

/**
 * Parses QR text (any case for the scheme and host) back into a compact certificate.
 * @throws HallmarkError NOT_A_CERTIFICATE, MALFORMED or UNSUPPORTED_VERSION
 */
export function fromQr(text: string): ParsedQr {
  const trimmed = text.trim();
  if (trimmed.length > MAX_QR_TEXT)
    throw new HallmarkError(ErrorCode.MALFORMED, 'QR text is too long');
  const hash = trimmed.indexOf('#');
  const base = hash < 0 ? trimmed : trimmed.slice(0, hash);
  if (!BASE_URL.test(base)) {
    throw new HallmarkError(ErrorCode.NOT_A_CERTIFICATE, 'not a Hallmark certificate link');
  }
  const digits = hash < 0 ? '' : trimmed.slice(hash + 1);
  if (digits === '')
    throw new HallmarkError(ErrorCode.NOT_A_CERTIFICATE, 'the link carries no certificate');
  return { baseUrl: base, digits, certificate: fromDigits(digits) };
}

/**
 * Decodes the digits of a QR fragment. @throws HallmarkError MALFORMED or UNSUPPORTED_VERSION
 */
export function fromDigits(digits: string): CompactCertificate {
  let bytes: Uint8Array;
  try {
    bytes = digitsToBytes(digits);
  } catch (cause) {
    throw new HallmarkError(ErrorCode.MALFORMED, 'the certificate code is damaged or incomplete', {
      cause,
    });
  }
  return decodeCompact(bytes);
}

/** The trusted keys a compact certificate's key reference may point to. */
export function candidateKeys(cert: CompactCertificate, keys: KeySet): TrustedKey[] {
  return keys.filter((k) =>
    equalBytes(kidReference(k.kid, KID_REFERENCE_LENGTH), cert.kidReference),
  );
}

/**
 * Rebuilds the exact standard compact JWS of a QR certificate, for any JOSE library to verify
 * with our JWKS. Accepts QR text or an already decoded certificate.
 * @throws HallmarkError UNKNOWN_KEY when no key matches, or as `fromQr`
 */
export function toJws(input: string | CompactCertificate, keys: KeySet): string {
  const cert = typeof input === 'string' ? fromQr(input).certificate : input;
  const [key] = candidateKeys(cert, keys);
  if (!key)
    throw new HallmarkError(ErrorCode.UNKNOWN_KEY, 'no trusted key matches the certificate');
  return jwsFor(cert, key.kid);
}

/** The compact JWS of a decoded certificate under a given kid. */
export function jwsFor(cert: CompactCertificate, kid: string): string {
  return `${signingInputText(cert.claims, kid)}.${toBase64url(cert.signature)}`;
}
