/** Request parameters shared by the routes: serials and brand codes, upper-cased and checked. */
import { z } from 'zod';
import { asciiUpper, issuerCode, serialNumber } from '../../shared/claims.ts';

/** A serial number in a path or body. */
export const serialParam = z
  .string()
  .transform(asciiUpper)
  .refine((s) => serialNumber.safeParse(s).success, 'is not a valid serial number');

/** A brand code in a query or body. */
export const brandParam = z
  .string()
  .transform(asciiUpper)
  .refine((s) => issuerCode.safeParse(s).success, 'is not a valid brand code');

/** `/:serial` path parameters. */
export const serialParams = z.object({ serial: serialParam });

/** `?issuer=` alone. */
export const issuerQuery = z.strictObject({ issuer: brandParam.optional() });

/** A reason kept in the audit trail. */
export const reasonText = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(500, 'must be at most 500 characters');
