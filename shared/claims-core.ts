/**
 * The watch claims' rules without a schema library: the format constants, the claims' type,
 * every field's rule, the canonical JSON and the date arithmetic. What the verification page
 * needs to accept a certificate, kept apart from the zod schemas (`claims.ts`, which words
 * the errors), so that the page's first verdict does not load them.
 */

/** The claims format version this code reads and writes. */
export const FORMAT_VERSION = 1;

const DAY_SECONDS = 86_400;
const EPOCH_1900_DAYS = -25_567; // days from 1970-01-01 back to 1900-01-01
/** Earliest accepted issue time: 2020-01-01T00:00:00Z. Nothing was issued before. */
export const MIN_ISSUED_AT = 1_577_836_800;
/** Issue times are unsigned 32-bit seconds (until 2106). */
export const MAX_ISSUED_AT = 0xffff_ffff;
/** Status-list indexes are 31-bit, assigned by the registry. */
export const MAX_STATUS_INDEX = 0x7fff_ffff;
export const MAX_GENERATION = 65_535;

/**
 * The display text rule (model, case, calibre; brand names), for text a buyer reads as the
 * truth about a watch. In Unicode property terms:
 * - only letters, marks, numbers, punctuation, symbols (L, M, N, P, S) and the plain space:
 *   no control, format (bidi overrides, zero-width), private-use or other space characters;
 * - no Default_Ignorable_Code_Point (U+034F, variation selectors, the Hangul fillers U+115F,
 *   U+1160, U+3164, U+FFA0…) and no U+2800 BRAILLE PATTERN BLANK: characters that render as
 *   nothing, so a "name" made of them would look blank or hide a difference;
 * - combining marks only on a base character, at most 3 in a row, and no more marks than
 *   base characters: text made mostly of marks (overlays stacked on one letter) is refused;
 * - within one word, letters of one script only among Latin, Greek and Cyrillic (UTS #39's
 *   mixed-script rule for the scripts whose letters look alike): "Rоlex" with a Cyrillic о
 *   and "Ωmega" are refused, while "Montre Café", "Ω 300M" or "Часы Полёт" are fine;
 * - no leading, trailing or doubled space; NFC; length counted in code points.
 * Returns the problem in words, or undefined when the text is fine.
 */
export function displayTextProblem(s: string, max: number): string | undefined {
  if (s.length === 0) return 'must not be empty';
  if (s.length > max && [...s].length > max) return `must be at most ${max} characters`;
  // Printable ASCII is all letters, digits, punctuation, symbols and the space, and has none
  // of the problems past the spaces: the common case skips the Unicode property patterns
  // (a page that checks one certificate then compiles none of them).
  const ascii = ASCII.test(s);
  if (!ascii && !DISPLAY_CHARS.test(s)) return 'contains a control or invisible character';
  if (s !== s.trim() || s.includes('  ')) return 'has leading, trailing or double spaces';
  if (ascii) return undefined;
  if (s !== s.normalize('NFC')) return 'must be Unicode NFC';
  if (BLANK.test(s)) return 'contains a character that renders as nothing';
  const marks = s.match(MARK)?.length ?? 0;
  if (marks > 0) {
    const bases = s.match(BASE)?.length ?? 0;
    if (LONE_MARK.test(s) || MARK_RUN.test(s) || marks > bases)
      return 'is made mostly of combining marks';
  }
  for (const word of s.match(WORD) ?? [])
    if (LOOK_ALIKE_SCRIPTS.filter((script) => script.test(word)).length > 1)
      return 'mixes Latin, Greek or Cyrillic letters in one word (look-alike letters)';
  return undefined;
}

const DISPLAY_CHARS = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;
const ASCII = /^[\x20-\x7e]*$/;
const BLANK = /[\p{Default_Ignorable_Code_Point}\u2800]/u;
const MARK = /\p{M}/gu;
const BASE = /[\p{L}\p{N}\p{P}\p{S}]/gu;
const LONE_MARK = /(?:^|\s)\p{M}/u;
const MARK_RUN = /\p{M}{4}/u;
const WORD = /[\p{L}\p{M}]+/gu;
const LOOK_ALIKE_SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Greek}/u, /\p{Script=Cyrillic}/u];

// Each rule's pattern is written once: the zod schemas (claims.ts) and the fast checks
// (`cleanClaims`, and watch input's) both use them.
export const DATE_PATTERN = /^(19|20)\d\d-\d\d-\d\d$/;
export const ISSUER_PATTERN = /^[A-Z0-9]{2,8}$/;
export const SERIAL_PATTERN = /^[A-Z0-9][A-Z0-9./-]{2,31}$/;
export const REFERENCE_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9./-]| (?! ))*$/;
export const REFERENCE_MAX = 32;
/** The display texts' maximum lengths, in code points. */
export const TEXT_MAX = { mdl: 64, cas: 40, cal: 32 } as const;

/**
 * Trims and upper-cases the ASCII letters a-z only, the way serials and brand codes are typed.
 * Never Unicode case mapping: 'ı'→'I', 'ſ'→'S', 'ß'→'SS' or 'ﬀ'→'FF' would make a different
 * text look like a valid serial; such text stays as it is and the schema refuses it.
 */
export function asciiUpper(text: string): string {
  return text.trim().replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/** Watch claims as signed (`claimsSchema` in claims.ts is held to this type). */
export interface Claims {
  v: typeof FORMAT_VERSION;
  iss: string;
  sn: string;
  ref: string;
  mdl: string;
  cas: string;
  cal: string;
  mfd: string;
  iat: number;
  sli: number;
  gen: number;
}

/** Whether a watch made on `mfd` would postdate a certificate issued at `iat` (one day of slack). */
export function madeAfterIssue(mfd: string, iat: number): boolean {
  const days = dateToDays(mfd);
  return days !== undefined && (days + EPOCH_1900_DAYS) * DAY_SECONDS > iat + DAY_SECONDS;
}

/** Member order of the canonical JSON (and of the compact binary form). */
export const CLAIM_ORDER = [
  'v',
  'iss',
  'sn',
  'ref',
  'mdl',
  'cas',
  'cal',
  'mfd',
  'iat',
  'sli',
  'gen',
] as const satisfies readonly (keyof Claims)[];

/**
 * The claims rules without zod, for the common case: a plain object that passes every rule of
 * `claimsSchema` gives the copy zod would give, anything else undefined (zod then decides and
 * words the errors). Every certificate signed or verified passes here, on the server, in the
 * importer and on the page; a property test holds it equal to the schema on plain objects.
 */
export function cleanClaims(input: unknown): Claims | undefined {
  if (!isPlainObject(input)) return undefined;
  const keys = Object.keys(input);
  if (keys.length !== CLAIM_ORDER.length || !keys.every((k) => CLAIM_KEYS.has(k))) return undefined;
  const { v, iss, sn, ref, mdl, cas, cal, mfd, iat, sli, gen } = input;
  if (
    v !== FORMAT_VERSION ||
    !isIssuerCode(iss) ||
    !isSerialNumber(sn) ||
    !isModelReference(ref) ||
    !isDisplayText(mdl, TEXT_MAX.mdl) ||
    !isDisplayText(cas, TEXT_MAX.cas) ||
    !isDisplayText(cal, TEXT_MAX.cal) ||
    !isCalendarDate(mfd) ||
    !isIntIn(iat, MIN_ISSUED_AT, MAX_ISSUED_AT) ||
    !isIntIn(sli, 0, MAX_STATUS_INDEX) ||
    !isIntIn(gen, 1, MAX_GENERATION) ||
    madeAfterIssue(mfd, iat)
  )
    return undefined;
  return { v, iss, sn, ref, mdl, cas, cal, mfd, iat, sli, gen };
}

const CLAIM_KEYS = new Set<string>(CLAIM_ORDER);

/** An object literal's shape (own enumerable members only; no prototype tricks, no arrays). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export const isIssuerCode = (s: unknown): s is string =>
  typeof s === 'string' && ISSUER_PATTERN.test(s);
export const isSerialNumber = (s: unknown): s is string =>
  typeof s === 'string' && SERIAL_PATTERN.test(s);
export const isModelReference = (s: unknown): s is string =>
  typeof s === 'string' &&
  s.length <= REFERENCE_MAX &&
  REFERENCE_PATTERN.test(s) &&
  !s.endsWith(' ');
export const isDisplayText = (s: unknown, max: number): s is string =>
  typeof s === 'string' && displayTextProblem(s, max) === undefined;
export const isCalendarDate = (s: unknown): s is string =>
  typeof s === 'string' && DATE_PATTERN.test(s) && dateToDays(s) !== undefined;
/** An integer (a safe one) from `min` to `max`. */
export const isIntIn = (n: unknown, min: number, max: number): n is number =>
  Number.isSafeInteger(n) && (n as number) >= min && (n as number) <= max;

// Claims objects that parseClaims produced: frozen, so they cannot change after the check.
// Lets the signer skip a second validation of claims the caller already parsed.
const validated = new WeakSet<object>();

/** Records `claims` (frozen) as checked by parseClaims. */
export function markValidated(claims: Claims): void {
  validated.add(claims);
}

/** True when `value` is a (frozen) result of parseClaims. */
export function isValidatedClaims(value: unknown): value is Claims {
  return typeof value === 'object' && value !== null && validated.has(value);
}

/**
 * Canonical JSON of claims: fixed member order, no whitespace, JSON.stringify escaping
 * (identical in every ECMAScript engine). These are the bytes the signature covers.
 */
export function canonicalClaimsJson(claims: Claims): string {
  // parseClaims's results hold exactly the members, in canonical order (and cannot change).
  if (isValidatedClaims(claims)) return JSON.stringify(claims);
  const ordered: Record<string, unknown> = {};
  for (const key of CLAIM_ORDER) ordered[key] = claims[key];
  return JSON.stringify(ordered);
}

/** Days since 1900-01-01 for a real YYYY-MM-DD date, or undefined if the date does not exist. */
export function dateToDays(date: string): number | undefined {
  // Exports repeat dates row after row: the last answer is kept.
  if (date === lastDate.date) return lastDate.days;
  const days = computeDays(date);
  lastDate = { date, days };
  return days;
}
let lastDate: { date: string; days: number | undefined } = { date: '', days: undefined };

function computeDays(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    return undefined;
  }
  return t / (DAY_SECONDS * 1000) - EPOCH_1900_DAYS;
}

/** Inverse of `dateToDays`. */
export function daysToDate(days: number): string {
  return new Date((days + EPOCH_1900_DAYS) * DAY_SECONDS * 1000).toISOString().slice(0, 10);
}
