/**
 * The JSON bodies the API answers with, as zod schemas. They are the response half of the
 * OpenAPI document (server/http/openapi.ts), and the views' return types are inferred from
 * them, so the compiler holds the code that builds an answer to the schema that documents it.
 */
import { z } from 'zod';
import { claimsSchema, MAX_GENERATION } from '../../shared/claims.ts';

const timestamp = z.iso.datetime().describe('an instant, ISO 8601 in UTC');
const count = z.int().min(0);
const generation = z
  .int()
  .min(1)
  .max(MAX_GENERATION)
  .describe('the card of the watch: 1 for the first, +1 for each re-issue');
const certificateStatus = z
  .enum(['active', 'revoked', 'stolen', 'replaced'])
  .describe('replaced: a newer card of the same watch exists');

/** One field that failed validation: where, and why. */
export const fieldErrorSchema = z.strictObject({
  path: z.string().describe('the field, dotted for nested fields (`items.3.serial`)'),
  message: z.string(),
});

/** Every error, whatever the status. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.string().describe('stable, machine-readable (VALIDATION_FAILED, FORBIDDEN, …)'),
    message: z.string().describe('for people; may change'),
    fields: z.array(fieldErrorSchema).optional(),
  }),
});

export const certificateViewSchema = z.strictObject({
  serial: z.string(),
  issuer: z.string().describe('the brand code'),
  generation,
  status: certificateStatus,
  statusReason: z.string().optional(),
  issuedAt: timestamp,
  statusIndex: z.int().min(0).describe('the watch’s entry in its brand’s status lists'),
  logIndex: z
    .int()
    .min(0)
    .optional()
    .describe('the certificate’s entry in the public issuance log'),
  kid: z.string().describe('the signing key'),
  claims: claimsSchema,
  jws: z.string().describe('the certificate: a compact JWS (EdDSA / Ed25519)'),
  qr: z.string().describe('the text of the card’s QR code'),
  url: z.url().describe('the verification link the QR code opens'),
});
export type CertificateView = z.output<typeof certificateViewSchema>;

const rejectedItem = z.strictObject({
  index: count,
  status: z.literal('rejected'),
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    fields: z.array(fieldErrorSchema).optional(),
  }),
});
export const batchResultSchema = z.strictObject({
  issued: count,
  existing: count,
  rejected: count,
  items: z.array(
    z.discriminatedUnion('status', [
      z.strictObject({
        index: count,
        status: z.enum(['issued', 'existing']),
        certificate: certificateViewSchema,
      }),
      rejectedItem,
    ]),
  ),
});

export const brandViewSchema = z.strictObject({
  code: z.string(),
  name: z.string(),
  publicUrl: z.string().optional(),
  onTrustList: z
    .boolean()
    .describe('false until the operator signs a trust list naming the active key'),
  keys: z.array(
    z.strictObject({
      kid: z.string(),
      state: z.enum(['active', 'retired']),
      notBefore: z.int(),
      notAfter: z.int().optional(),
    }),
  ),
});
export type BrandView = z.output<typeof brandViewSchema>;
export const brandListSchema = z.strictObject({ brands: z.array(brandViewSchema) });

export const retailerCheckSchema = z.strictObject({
  serial: z.string(),
  issuer: z.string(),
  authentic: z.boolean().describe('the stored certificate verifies with the brand’s keys'),
  status: certificateStatus,
  statusChangedAt: timestamp.nullable(),
  generation,
  owners: count.describe('how many owners have registered the watch'),
  lastTransferAt: timestamp.nullable(),
});

export const heldReportSchema = z.strictObject({
  serial: z.string(),
  held: z.literal(true),
  report: z.int().describe('the held report, for the brand’s review'),
  message: z.string(),
});

export const claimCodeSchema = z.strictObject({
  serial: z.string(),
  code: z.string().describe('one-time; shown once'),
});
export const claimedSchema = z.strictObject({
  serial: z.string(),
  owners: count,
  ownerKey: z.string().describe('the owner’s secret; shown once, never stored in clear'),
});
export const recoveryAskedSchema = z.strictObject({
  serial: z.string(),
  message: z.string().describe('the same for every request, matched or not'),
});
export const recoveredSchema = z.strictObject({
  issuer: z.string(),
  serial: z.string(),
  owners: count.describe('unchanged: the same owner, with a new key'),
  ownerKey: z.string().describe('the new owner key; shown once. The old key no longer works'),
});
export const transferSchema = z.strictObject({
  serial: z.string(),
  transferCode: z.string().describe('one-time, for the buyer’s claim'),
});

export const monitorPageSchema = z.strictObject({
  from: count,
  to: count,
  size: count.describe('the log’s size'),
  certificates: z.array(
    z.strictObject({
      index: count,
      issuer: z.string(),
      serial: z.string(),
      generation,
      status: certificateStatus,
      jws: z.string(),
    }),
  ),
});

export const healthSchema = z.strictObject({ status: z.literal('ok') });

export const jwksSchema = z.strictObject({
  keys: z.array(
    z.looseObject({
      kty: z.literal('OKP'),
      crv: z.literal('Ed25519'),
      x: z.string(),
      kid: z.string(),
      alg: z.literal('Ed25519'),
      use: z.literal('sig'),
      brand: z.string(),
      nbf: z.int().optional(),
      exp: z.int().optional(),
      cs: z.int().optional().describe('compromised since (seconds); not a JOSE member'),
    }),
  ),
});
