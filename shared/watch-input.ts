/**
 * What a manufacturing system sends for one watch (the API's and the importer's field names),
 * normalised (trimmed, spaces collapsed, NFC, serial upper-cased) and validated with the same
 * rules as the claims, then turned into claims once the registry has assigned the rest.
 */
import * as z from 'zod/mini';
import {
  asciiUpper,
  calendarDate,
  calibreName,
  caseMaterial,
  FORMAT_VERSION,
  isCalendarDate,
  isDisplayText,
  isIssuerCode,
  isModelReference,
  isPlainObject,
  isSerialNumber,
  issuerCode,
  modelName,
  modelReference,
  parseClaims,
  serialNumber,
  TEXT_MAX,
  type Claims,
} from './claims.ts';
import { ErrorCode, HallmarkError } from './errors.ts';
import { parseOrThrow } from './validation.ts';

const MAX_RAW = 1000;
// Printable ASCII words with single spaces between them: already trimmed, collapsed and NFC,
// so tidy returns them as they are (the common case of an import, without three new strings).
const TIDY_ASCII = /^[!-~]+(?: [!-~]+)*$/;
const tidy = (s: string) =>
  TIDY_ASCII.test(s) ? s : s.trim().replace(/\s+/g, ' ').normalize('NFC');
const text = <T extends z.ZodMiniType<string, string>>(
  rule: T,
  normalise: (s: string) => string = tidy,
) =>
  z.pipe(
    z.string().check(
      z.maxLength(MAX_RAW, 'is far too long'),
      z.overwrite((s: string) => normalise(s)),
    ),
    rule,
  );

/** The watch fields, as the API and the ERP importer name them. Unknown fields are refused. */
export const watchInputSchema = z.strictObject({
  serial: text(serialNumber, asciiUpper),
  reference: text(modelReference),
  model: text(modelName),
  caseMaterial: text(caseMaterial),
  calibre: text(calibreName),
  manufacturedOn: text(calendarDate, (s) => s.trim()),
  issuer: z.optional(text(issuerCode, asciiUpper)),
});

/** Normalised watch input. */
export type WatchInput = z.infer<typeof watchInputSchema>;

/** The watch field each claim comes from, for error messages in the caller's vocabulary. */
export const CLAIM_TO_FIELD: Record<string, string> = {
  iss: 'issuer',
  sn: 'serial',
  ref: 'reference',
  mdl: 'model',
  cas: 'caseMaterial',
  cal: 'calibre',
  mfd: 'manufacturedOn',
  iat: 'issuedAt',
  sli: 'statusIndex',
  gen: 'generation',
};

/**
 * Validates watch input, reporting every failing field at once.
 * @throws HallmarkError VALIDATION_FAILED
 */
export function parseWatchInput(input: unknown): WatchInput {
  return (
    cleanWatchInput(input) ??
    parseOrThrow(watchInputSchema, input, ErrorCode.VALIDATION_FAILED, 'watch fields are invalid')
  );
}

const INPUT_KEYS = new Set(Object.keys(watchInputSchema.def.shape));
const raw = (s: unknown): s is string => typeof s === 'string' && s.length <= MAX_RAW;

/**
 * `watchInputSchema` without zod, for the common case (an import validates every row): a
 * plain object of strings that pass every rule gives the normalised object zod would give,
 * anything else undefined, and zod then decides and words the errors. A property test holds
 * the two equal on plain objects.
 */
export function cleanWatchInput(input: unknown): WatchInput | undefined {
  if (!isPlainObject(input) || !Object.keys(input).every((k) => INPUT_KEYS.has(k)))
    return undefined;
  const { serial, reference, model, caseMaterial, calibre, manufacturedOn, issuer } = input;
  if (
    !raw(serial) ||
    !raw(reference) ||
    !raw(model) ||
    !raw(caseMaterial) ||
    !raw(calibre) ||
    !raw(manufacturedOn) ||
    (issuer === undefined && 'issuer' in input)
  )
    return undefined;
  const out: WatchInput = {
    serial: asciiUpper(serial),
    reference: tidy(reference),
    model: tidy(model),
    caseMaterial: tidy(caseMaterial),
    calibre: tidy(calibre),
    manufacturedOn: manufacturedOn.trim(),
  };
  if (
    !isSerialNumber(out.serial) ||
    !isModelReference(out.reference) ||
    !isDisplayText(out.model, TEXT_MAX.mdl) ||
    !isDisplayText(out.caseMaterial, TEXT_MAX.cas) ||
    !isDisplayText(out.calibre, TEXT_MAX.cal) ||
    !isCalendarDate(out.manufacturedOn)
  )
    return undefined;
  if (issuer !== undefined) {
    if (!raw(issuer)) return undefined;
    out.issuer = asciiUpper(issuer);
    if (!isIssuerCode(out.issuer)) return undefined;
  }
  return out;
}

/**
 * Builds the claims for normalised watch input plus what the registry assigns.
 * Field errors are reported under the input's field names.
 * @throws HallmarkError VALIDATION_FAILED
 */
export function watchClaims(
  input: WatchInput,
  assigned: { issuer: string; issuedAt: number; statusIndex: number; generation: number },
): Claims {
  const claims = {
    v: FORMAT_VERSION,
    iss: input.issuer ?? assigned.issuer,
    sn: input.serial,
    ref: input.reference,
    mdl: input.model,
    cas: input.caseMaterial,
    cal: input.calibre,
    mfd: input.manufacturedOn,
    iat: assigned.issuedAt,
    sli: assigned.statusIndex,
    gen: assigned.generation,
  };
  try {
    return parseClaims(claims);
  } catch (error) {
    if (error instanceof HallmarkError && error.fields) {
      throw new HallmarkError(error.code, 'watch fields are invalid', {
        fields: error.fields.map((f) => ({ ...f, path: CLAIM_TO_FIELD[f.path] ?? f.path })),
      });
    }
    throw error;
  }
}
