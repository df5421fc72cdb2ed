/**
 * The watch claims: what a certificate says about one watch, with the short member names
 * that keep the QR code small. The schema is also what the page trusts to render, so
 * every text is bounded in length and character set. The rules themselves, without zod,
 * are in `claims-core.ts` (re-exported here); this file holds the zod schemas that word the
 * errors, field by field.
 */
import * as z from 'zod/mini';
import {
  cleanClaims,
  DATE_PATTERN,
  dateToDays,
  displayTextProblem,
  FORMAT_VERSION,
  isValidatedClaims,
  ISSUER_PATTERN,
  madeAfterIssue,
  markValidated,
  MAX_GENERATION,
  MAX_ISSUED_AT,
  MAX_STATUS_INDEX,
  MIN_ISSUED_AT,
  REFERENCE_MAX,
  REFERENCE_PATTERN,
  SERIAL_PATTERN,
  TEXT_MAX,
  type Claims,
} from './claims-core.ts';
import { ErrorCode } from './errors.ts';
import { parseOrThrow } from './validation.ts';

export * from './claims-core.ts';

/** A zod/mini string schema holding `displayTextProblem`'s rule. */
export function displayText(max: number) {
  // One pass with one precise message per failure: this runs for every certificate signed.
  return z.string().check(
    z.superRefine((s, ctx) => {
      const problem = displayTextProblem(s, max);
      if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: s });
    }),
  );
}

/** A calendar date YYYY-MM-DD that exists (no 2026-02-30), 1900-01-01 to 2099-12-31. */
export const calendarDate = z.string().check(
  z.regex(DATE_PATTERN, 'must be a date YYYY-MM-DD between 1900 and 2099'),
  z.refine((s) => dateToDays(s) !== undefined, 'is not a real calendar date'),
);

/** Brand code: 2–8 upper-case letters or digits. */
export const issuerCode = z
  .string()
  .check(z.regex(ISSUER_PATTERN, 'must be 2-8 upper-case letters or digits'));

/** Serial number: 3–32 upper-case letters, digits, '.', '/' or '-', starting with a letter or digit. */
export const serialNumber = z
  .string()
  .check(
    z.regex(
      SERIAL_PATTERN,
      "must be 3-32 upper-case letters, digits, '.', '/' or '-', starting with a letter or digit",
    ),
  );

/** Model reference: 1–32 letters, digits, '.', '/', '-' or single inner spaces. */
export const modelReference = z.string().check(
  z.regex(
    REFERENCE_PATTERN,
    "must be letters, digits, '.', '/', '-' or single spaces, starting with a letter or digit",
  ),
  z.maxLength(REFERENCE_MAX, `must be at most ${REFERENCE_MAX} characters`),
  z.refine((s) => !s.endsWith(' '), 'must not end with a space'),
);

export const modelName = displayText(TEXT_MAX.mdl);
export const caseMaterial = displayText(TEXT_MAX.cas);
export const calibreName = displayText(TEXT_MAX.cal);

const intIn = (min: number, max: number) =>
  z.int().check(z.minimum(min, `must be ≥ ${min}`), z.maximum(max, `must be ≤ ${max}`));

/** The claims object, with members in canonical order. */
export const claimsSchema = z
  .strictObject({
    v: z.literal(FORMAT_VERSION),
    iss: issuerCode,
    sn: serialNumber,
    ref: modelReference,
    mdl: modelName,
    cas: caseMaterial,
    cal: calibreName,
    mfd: calendarDate,
    iat: intIn(MIN_ISSUED_AT, MAX_ISSUED_AT),
    sli: intIn(0, MAX_STATUS_INDEX),
    gen: intIn(1, MAX_GENERATION),
  })
  .check(
    z.superRefine((c, ctx) => {
      // A watch cannot be made after its certificate was issued (one day of slack for time zones).
      if (madeAfterIssue(c.mfd, c.iat)) {
        ctx.issues.push({
          code: 'custom',
          path: ['mfd'],
          message: 'is after the issue time',
          input: c.mfd,
        });
      }
    }),
  );

// The schema's output type is the claims' type of claims-core.ts, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameClaims: Same<z.infer<typeof claimsSchema>, Claims> = true;
void sameClaims;

/**
 * Validates claims, reporting every failing field at once.
 * @throws HallmarkError VALIDATION_FAILED with `fields`.
 */
export function parseClaims(input: unknown): Claims {
  if (isValidatedClaims(input)) return input;
  const claims = Object.freeze(
    cleanClaims(input) ??
      parseOrThrow(claimsSchema, input, ErrorCode.VALIDATION_FAILED, 'claims are invalid'),
  );
  markValidated(claims);
  return claims;
}
