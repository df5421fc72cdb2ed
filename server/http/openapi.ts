/**
 * The API's OpenAPI 3.1 document, built from the zod schemas that validate the requests
 * (exported by the route modules) and from the schemas of the answers (api-schemas.ts): one
 * source of truth. Served at `/api/v1/openapi.json`; `test/server/openapi.test.ts` walks the
 * app's routes against it and checks real answers with an independent validator.
 */
import { z } from 'zod';
import type { $ZodType as ZodType } from 'zod/v4/core';
import { brandInputSchema } from '../registry/brands.ts';
import { TEXT_MAX } from '../../shared/claims.ts';
import { watchInputSchema } from '../../shared/watch-input.ts';
import { MAX_BATCH_ITEMS } from '../issuing/batch.ts';
import {
  batchResultSchema,
  brandListSchema,
  brandViewSchema,
  certificateViewSchema,
  claimCodeSchema,
  claimedSchema,
  errorBodySchema,
  healthSchema,
  heldReportSchema,
  jwksSchema,
  monitorPageSchema,
  recoveredSchema,
  recoveryAskedSchema,
  retailerCheckSchema,
  transferSchema,
} from './api-schemas.ts';
import { issuerQuery, serialParams } from './params.ts';
import { batchBody, IDEMPOTENCY_KEY, imageQuery, qrFormat } from './routes/certificates.ts';
import { LOG_PREFIX, MAX_MONITOR_SPAN, monitorQuery } from './routes/log.ts';
import {
  claimBody,
  claimCodeBody,
  recoveryBody,
  recoveryCompleteBody,
  transferBody,
} from './routes/ownership.ts';
import { presentedBody } from './routes/retailer.ts';
import { reasonBody } from './routes/status-changes.ts';
import type { Scope } from '../registry/tokens.ts';

type Json = Record<string, unknown>;

/** An answer: JSON under a schema, or another media type. */
interface Answer {
  description: string;
  json?: ZodType;
  media?: Record<string, Json>;
  headers?: Record<string, string>;
}

interface Operation {
  method: 'get' | 'post';
  /** The path in OpenAPI form (`/api/v1/certificates/{serial}`). */
  path: string;
  id: string;
  tag: string;
  summary: string;
  description?: string;
  /** Public, or a bearer token holding one of these scopes (admin holds every scope). */
  auth: 'public' | Scope[];
  path_?: ZodType;
  query?: ZodType;
  headers?: { name: string; required: boolean; schema: ZodType; description: string }[];
  body?: { schema: ZodType; required: boolean };
  answers: Record<number, Answer>;
}

// What each watch field holds: the checks are refinements, which JSON Schema cannot express.
const WATCH_FIELDS: Record<string, string> = {
  serial:
    'the serial engraved on the case: 3 to 32 of A-Z 0-9 . / - (letters are upper-cased); one certificate per brand and serial',
  reference: 'the model reference: up to 32 letters, digits, . / - and single spaces',
  model: `the model name, shown as text: at most ${TEXT_MAX.mdl} characters`,
  caseMaterial: `the case material: at most ${TEXT_MAX.cas} characters`,
  calibre: `the movement: at most ${TEXT_MAX.cal} characters`,
  manufacturedOn: 'YYYY-MM-DD (1900-2099), not after the day of issue',
  issuer:
    'the brand code (2 to 8 of A-Z 0-9); by default the token’s only brand, else the service’s default brand',
};

// Components: the schemas that several operations share, referenced rather than repeated.
const COMPONENTS = new Map<ZodType, string>([
  [errorBodySchema, 'Error'],
  [certificateViewSchema, 'Certificate'],
  [brandViewSchema, 'Brand'],
  [retailerCheckSchema, 'RetailerCheck'],
  [watchInputSchema, 'WatchInput'],
  [batchResultSchema, 'BatchResult'],
]);

const error = (description: string): Answer => ({ description, json: errorBodySchema });
const text = (type: string, description: string, schema: Json = { type: 'string' }) => ({
  description,
  media: { [type]: { schema } },
});
const binary = (type: string, description: string) => ({ description, media: { [type]: {} } });

// The errors most operations share.
const E = {
  400: error('VALIDATION_FAILED: every failing field, by name, with the reason'),
  401: error('UNAUTHENTICATED: no token, not a bearer token, or a revoked or unknown one'),
  403: error('FORBIDDEN: the token lacks the scope, or acts for other brands'),
  404: error('NOT_FOUND'),
  409: error('a conflict with the registry’s state (code says which)'),
  413: error('PAYLOAD_TOO_LARGE or TOO_MANY_ITEMS'),
  415: error('UNSUPPORTED_MEDIA_TYPE: the body must be sent as application/json'),
  429: error('RATE_LIMITED: too many requests from this address; retry after a minute'),
} as const;
const authErrors = { 401: E[401], 403: E[403] };
const bodyErrors = { 400: E[400], 413: E[413], 415: E[415] };
const CACHED = { ETag: 'strong; answer If-None-Match with 304', 'Cache-Control': 'public' };

const certificate: Answer = { description: 'the certificate', json: certificateViewSchema };
const watchPath = serialParams;
const serialOps = (
  action: string,
  summary: string,
  auth: Scope[],
  description: string,
  required: boolean,
  extra: Record<number, Answer> = {},
): Operation => ({
  method: 'post',
  path: `/api/v1/certificates/{serial}/${action}`,
  id: action === 'stolen' ? 'reportStolen' : action,
  tag: 'Status',
  summary,
  description,
  auth,
  path_: watchPath,
  query: issuerQuery,
  body: { schema: reasonBody(required), required },
  answers: {
    200: { description: 'the certificate, with its new status', json: certificateViewSchema },
    ...extra,
    ...bodyErrors,
    ...authErrors,
    404: error('NOT_FOUND: no certificate for this serial'),
    409: error('the change is not allowed from the current status (code says which)'),
  },
});

/** Every route of the app. The test walks the app's router and requires both to agree. */
export const OPERATIONS: Operation[] = [
  // Issuing.
  {
    method: 'post',
    path: '/api/v1/certificates',
    id: 'issue',
    tag: 'Issuing',
    summary: 'Issue the certificate of a watch',
    description:
      'Idempotent per brand and serial: the same watch again answers 200 with the certificate already issued; different claims for an issued serial answer 409. The certificate is answered only once it is committed and sequenced in the public log.',
    auth: ['issue'],
    body: { schema: watchInputSchema, required: true },
    answers: {
      201: { description: 'issued', json: certificateViewSchema },
      200: { description: 'already issued with the same claims', json: certificateViewSchema },
      ...bodyErrors,
      ...authErrors,
      409: error('CONFLICT: this serial was issued with other claims (fields says which)'),
      503: error('NO_ACTIVE_KEY: the brand has no key to sign with; the operator must act'),
    },
  },
  {
    method: 'post',
    path: '/api/v1/certificates/batch',
    id: 'issueBatch',
    tag: 'Issuing',
    summary: `Issue up to ${MAX_BATCH_ITEMS} certificates`,
    description:
      'Each item is a watch as for a single issue, with a result of its own: issued, existing or rejected (with the fields at fault). A batch that names a brand the token may not act for is refused whole. The Idempotency-Key makes a retry safe: the same key and body answer the stored result (Idempotent-Replayed: true).',
    auth: ['issue'],
    headers: [
      {
        name: 'Idempotency-Key',
        required: true,
        schema: z.string().regex(IDEMPOTENCY_KEY),
        description: 'unique per batch and token; kept 24 hours',
      },
    ],
    // The route takes any items, and validates each one as a watch with a result of its own.
    body: {
      schema: batchBody.extend({
        items: z.array(watchInputSchema).min(1).max(MAX_BATCH_ITEMS),
      }),
      required: true,
    },
    answers: {
      200: {
        description: 'the result of each item',
        json: batchResultSchema,
        headers: { 'Idempotent-Replayed': '`true` on a replay of a stored result' },
      },
      ...bodyErrors,
      ...authErrors,
      409: error('IDEMPOTENCY_KEY_IN_USE: a batch with this key is still running'),
      422: error('IDEMPOTENCY_KEY_REUSED: this key was used with another body'),
    },
  },
  {
    method: 'get',
    path: '/api/v1/certificates/{serial}',
    id: 'getCertificate',
    tag: 'Issuing',
    summary: 'The newest certificate of a watch, with its status',
    auth: ['read'],
    path_: watchPath,
    query: issuerQuery,
    answers: {
      200: certificate,
      400: E[400],
      ...authErrors,
      404: error('NOT_FOUND: no certificate for this serial'),
    },
  },
  {
    method: 'get',
    path: '/api/v1/certificates/{serial}/qr.{format}',
    id: 'getQrImage',
    tag: 'Issuing',
    summary: 'The QR code of the newest card, as PNG or SVG',
    auth: ['read'],
    path_: z.object({ serial: serialParams.shape.serial, format: qrFormat }),
    query: imageQuery,
    answers: {
      200: {
        description: 'the image',
        media: { 'image/png': {}, 'image/svg+xml': { schema: { type: 'string' } } },
      },
      400: E[400],
      ...authErrors,
      404: error('NOT_FOUND: no certificate for this serial, or another format'),
    },
  },
  // Status.
  serialOps(
    'revoke',
    'Revoke a certificate',
    ['admin'],
    'The watch’s status lists say revoked from their next build. Needs a reason.',
    true,
  ),
  serialOps(
    'stolen',
    'Report a watch stolen',
    ['report'],
    'Authorised retailers may report; a token that reports many watches within the hour has its further reports held for the brand’s review (202).',
    false,
    { 202: { description: 'held for the brand’s review', json: heldReportSchema } },
  ),
  serialOps('recovered', 'A stolen watch is recovered', ['admin'], 'stolen → active.', false),
  {
    method: 'post',
    path: '/api/v1/certificates/{serial}/reissue',
    id: 'reissue',
    tag: 'Status',
    summary: 'A new card for a watch',
    description:
      'The next generation is issued and the previous card becomes `replaced`. For a watch that has a registered owner, only with the admin scope and a reason.',
    auth: ['issue'],
    path_: watchPath,
    query: issuerQuery,
    body: { schema: reasonBody(false), required: false },
    answers: {
      201: { description: 'the new card', json: certificateViewSchema },
      ...bodyErrors,
      ...authErrors,
      404: error('NOT_FOUND: no certificate for this serial'),
      409: error('the watch’s status does not allow a new card'),
    },
  },
  // Ownership.
  {
    method: 'post',
    path: '/api/v1/certificates/{serial}/claim-code',
    id: 'claimCode',
    tag: 'Ownership',
    summary: 'A one-time claim code for the box or the sale',
    description:
      'Any earlier pending code stops working. For a watch with an owner, only with `override` and a reason from an admin token: the audited decision to let the holder of the new code replace the owner.',
    auth: ['issue'],
    path_: watchPath,
    query: issuerQuery,
    body: { schema: claimCodeBody, required: false },
    answers: {
      201: { description: 'the code, shown once', json: claimCodeSchema },
      ...bodyErrors,
      ...authErrors,
      404: error('NOT_FOUND: no certificate for this serial'),
      409: error('OWNED or NOT_ACTIVE'),
    },
  },
  {
    method: 'post',
    path: '/api/v1/ownership/claim',
    id: 'claim',
    tag: 'Ownership',
    summary: 'Register as the owner, with a claim or transfer code',
    description:
      'Public, throttled per address (failed attempts only). A wrong code and an unknown serial get the same 403.',
    auth: 'public',
    body: { schema: claimBody, required: true },
    answers: {
      201: { description: 'the new owner’s key, shown once', json: claimedSchema },
      ...bodyErrors,
      403: error('CODE_REJECTED: no such code for this watch'),
      409: error('OWNED or NOT_ACTIVE'),
      410: error('CODE_EXPIRED'),
      429: E[429],
    },
  },
  {
    method: 'post',
    path: '/api/v1/ownership/transfer',
    id: 'transfer',
    tag: 'Ownership',
    summary: 'A one-time transfer code for the buyer',
    description:
      'The owner’s key proves ownership. The buyer claims with the code; the seller’s key then stops working.',
    auth: 'public',
    body: { schema: transferBody, required: true },
    answers: {
      201: { description: 'the transfer code', json: transferSchema },
      ...bodyErrors,
      403: error('CODE_REJECTED: not the owner’s key for this watch'),
      409: error('NOT_ACTIVE'),
      429: E[429],
    },
  },
  {
    method: 'post',
    path: '/api/v1/ownership/recovery',
    id: 'recoveryRequest',
    tag: 'Ownership',
    summary: 'A lost owner key: a one-time link to the address registered for the watch',
    description:
      'Public, a few per address and hour. When the address matches the keyed hash the registry kept at the claim, a link that works once, for one hour, is e-mailed to it. Every request gets the same answer, before any mail is sent: nobody learns which address owns which watch. At most 3 mails per watch and day.',
    auth: 'public',
    body: { schema: recoveryBody, required: true },
    answers: {
      202: {
        description: 'the same answer, whether or not a mail was sent',
        json: recoveryAskedSchema,
      },
      ...bodyErrors,
      429: E[429],
      503: error('RECOVERY_UNAVAILABLE: the service has no mail relay (HALLMARK_SMTP_URL)'),
    },
  },
  {
    method: 'post',
    path: '/api/v1/ownership/recovery/complete',
    id: 'recoveryComplete',
    tag: 'Ownership',
    summary: 'Complete a recovery with the token from the link: a new owner key',
    auth: 'public',
    body: { schema: recoveryCompleteBody, required: true },
    answers: {
      201: { description: 'the new key, shown once', json: recoveredSchema },
      ...bodyErrors,
      403: error('CODE_REJECTED: unknown or used link, or the watch changed hands since'),
      409: error('NOT_ACTIVE'),
      410: error('CODE_EXPIRED: the link is older than an hour'),
      429: E[429],
    },
  },
  // Retailers.
  {
    method: 'post',
    path: '/api/v1/check',
    id: 'checkPresented',
    tag: 'Retailers',
    summary: 'Check a presented certificate: authentic, status, owners',
    description:
      'Public, for the holder of a certificate: the QR link, its digits or the JWS. Anything that is not a certificate this registry issued (a forgery, an unknown serial, a known serial with another card) gets the same 404, so serials cannot be enumerated.',
    auth: 'public',
    body: { schema: presentedBody, required: true },
    answers: {
      200: { description: 'the check', json: retailerCheckSchema },
      ...bodyErrors,
      404: error('NOT_FOUND: no Hallmark certificate matches'),
      429: E[429],
    },
  },
  {
    method: 'get',
    path: '/api/v1/certificates/{serial}/check',
    id: 'checkSerial',
    tag: 'Retailers',
    summary: 'Check a watch by serial',
    auth: ['report', 'read'],
    path_: watchPath,
    query: issuerQuery,
    answers: {
      200: { description: 'the check', json: retailerCheckSchema },
      400: E[400],
      ...authErrors,
      404: error('NOT_FOUND: no certificate for this serial'),
    },
  },
  // Brands.
  {
    method: 'get',
    path: '/api/v1/brands',
    id: 'listBrands',
    tag: 'Brands',
    summary: 'The brands the token acts for, with their keys',
    auth: ['read', 'issue', 'report'],
    // Every scope is one of these or admin: a valid token is never refused here.
    answers: { 200: { description: 'the brands', json: brandListSchema }, 401: E[401] },
  },
  {
    method: 'post',
    path: '/api/v1/brands',
    id: 'addBrand',
    tag: 'Brands',
    summary: 'Add a brand, with its first signing key',
    description:
      'The operator’s admin tokens only (tokens for every brand). The brand’s certificates verify on pages once the operator signs a trust list that names its key (`onTrustList`).',
    auth: ['admin'],
    body: { schema: brandInputSchema, required: true },
    answers: {
      201: { description: 'the brand', json: brandViewSchema },
      ...bodyErrors,
      ...authErrors,
      409: error('CONFLICT: the brand exists'),
    },
  },
  // The public log.
  {
    method: 'get',
    path: '/api/v1/log/certificates',
    id: 'monitorCertificates',
    tag: 'Public log',
    summary: 'The token’s brands’ certificates at a range of log indexes',
    description: `For a brand’s monitor: at most ${MAX_MONITOR_SPAN} indexes per request. Another brand’s entries are absent.`,
    auth: ['read'],
    query: monitorQuery,
    answers: {
      200: { description: 'the certificates', json: monitorPageSchema },
      400: E[400],
      ...authErrors,
    },
  },
  {
    method: 'get',
    path: `${LOG_PREFIX}/checkpoint`,
    id: 'logCheckpoint',
    tag: 'Public log',
    summary: 'The newest checkpoint (C2SP tlog-checkpoint), with witness cosignatures',
    auth: 'public',
    answers: {
      200: text('text/plain', 'a signed note'),
      404: error('NOT_FOUND: the log has no checkpoint yet'),
      429: E[429],
    },
  },
  {
    method: 'get',
    path: `${LOG_PREFIX}/vkey`,
    id: 'logVerifierKey',
    tag: 'Public log',
    summary: 'The log’s verifier key (pin it from the trust list instead)',
    auth: 'public',
    answers: {
      200: text('text/plain', 'a signed-note verifier key'),
      404: error('NOT_FOUND: the log has no key yet'),
      429: E[429],
    },
  },
  {
    method: 'get',
    path: `${LOG_PREFIX}/tile/{tile}`,
    id: 'logTile',
    tag: 'Public log',
    summary: 'A tile (C2SP tlog-tiles): `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`',
    description: 'Immutable: cached for a year. `tile` spans several path segments.',
    auth: 'public',
    path_: z.object({ tile: z.string().describe('for instance `0/x001/234.p/17`') }),
    answers: {
      200: binary('application/octet-stream', 'the tile'),
      404: error('NOT_FOUND: not a tile path, or not (yet) in the log'),
    },
  },
  // Verification data.
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    id: 'jwks',
    tag: 'Verification data',
    summary: 'Every brand key that may verify (JWKS), for standard JOSE tools',
    description:
      'Pages trust keys from the signed trust list, never from this set: a JWKS is not signed.',
    auth: 'public',
    answers: {
      200: { description: 'the keys', json: jwksSchema, headers: CACHED },
      304: { description: 'not modified' },
      429: E[429],
    },
  },
  {
    method: 'get',
    path: '/.well-known/hallmark-trust-list.jwt',
    id: 'trustList',
    tag: 'Verification data',
    summary: 'The trust list signed by the operator’s root key (a JWS)',
    auth: 'public',
    answers: {
      200: text('application/jwt', 'the list', { type: 'string' }),
      304: { description: 'not modified (its seq is its ETag)' },
      404: error('NOT_FOUND: no trust list has been installed'),
      429: E[429],
    },
  },
  {
    method: 'get',
    path: '/status/{file}',
    id: 'statusList',
    tag: 'Verification data',
    summary: 'A signed status list, `<n>.jwt`: the same file for every watch it covers',
    auth: 'public',
    path_: z.object({ file: z.string().regex(/^\d{1,4}\.jwt$/) }),
    answers: {
      200: text('application/statuslist+jwt', 'the list'),
      304: { description: 'not modified' },
      404: error('NOT_FOUND: no such status list'),
      429: E[429],
    },
  },
  {
    method: 'get',
    path: '/healthz',
    id: 'health',
    tag: 'Operations',
    summary: 'The service and its database answer',
    auth: 'public',
    answers: { 200: { description: 'healthy', json: healthSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    id: 'openapi',
    tag: 'Operations',
    summary: 'This document',
    auth: 'public',
    answers: {
      200: text('application/json', 'OpenAPI 3.1', { type: 'object' }),
      304: { description: 'not modified' },
      429: E[429],
    },
  },
  {
    method: 'get',
    path: '/api/v1/reference',
    id: 'reference',
    tag: 'Operations',
    summary: 'This document as a page for people (no script)',
    auth: 'public',
    answers: {
      200: text('text/html', 'the reference'),
      304: { description: 'not modified' },
      429: E[429],
    },
  },
  // The verification page.
  ...[
    '/',
    '/index.html',
    '/isolated.html',
    '/sw.js',
    '/manifest.webmanifest',
    '/assets/{file}',
  ].map((path): Operation => ({
    method: 'get',
    path,
    id: `page${path.replace(/[^a-z]+(.)?/g, (_m, c: string = '') => c.toUpperCase()) || 'Root'}`,
    tag: 'Verification page',
    summary:
      path === '/'
        ? 'The verification page (a QR link opens it with the certificate in the fragment)'
        : path === '/isolated.html'
          ? 'The verification page, for a page another page opened: it cuts the opener off'
          : 'A file of the verification page',
    description:
      path === '/isolated.html'
        ? 'The same page, served with the strict Content-Security-Policy and `Cross-Origin-Opener-Policy: same-origin`: the page goes there when another page opened it (window.open), so that the opener’s handle on its window dies.'
        : 'Served with the page’s strict Content-Security-Policy.',
    auth: 'public',
    ...(path.includes('{file}') ? { path_: z.object({ file: z.string() }) } : {}),
    answers: {
      200: binary('*/*', 'the file'),
      304: { description: 'not modified' },
      ...(path.includes('{file}') ? { 404: error('NOT_FOUND: no such file') } : {}),
    } as Record<number, Answer>,
  })),
];

// Conversion of zod schemas to JSON Schema (2020-12, the dialect of OpenAPI 3.1).
const SCHEMA_REF = '#/components/schemas/';
function jsonSchema(schema: ZodType, io: 'input' | 'output', inline?: ZodType): Json {
  const converted = z.toJSONSchema(schema, {
    io,
    // Refinements (a serial's shape after upper-casing, a date that exists) cannot be
    // expressed; the answer names them when they fail.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema: json }) => {
      const name = COMPONENTS.get(zodSchema);
      if (name === undefined || zodSchema === (inline as unknown)) return;
      for (const key of Object.keys(json)) delete (json as Json)[key];
      (json as Json).$ref = SCHEMA_REF + name;
    },
  }) as Json;
  delete converted.$schema;
  return converted;
}
const ref = (schema: ZodType, io: 'input' | 'output'): Json => {
  const name = COMPONENTS.get(schema);
  return name === undefined ? jsonSchema(schema, io) : { $ref: SCHEMA_REF + name };
};

function parameters(where: 'path' | 'query', schema: ZodType | undefined): Json[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as {
    properties: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(object.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

function operation(op: Operation): Json {
  const responses: Json = {};
  for (const [status, answer] of Object.entries(op.answers)) {
    responses[status] = {
      description: answer.description,
      ...(answer.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(answer.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(answer.json
        ? { content: { 'application/json': { schema: ref(answer.json, 'output') } } }
        : answer.media
          ? { content: answer.media }
          : {}),
    };
  }
  const params = [
    ...parameters('path', op.path_),
    ...parameters('query', op.query),
    ...(op.headers ?? []).map((h) => ({
      name: h.name,
      in: 'header',
      required: h.required,
      description: h.description,
      schema: jsonSchema(h.schema, 'input'),
    })),
  ];
  const scopes = op.auth === 'public' ? undefined : op.auth;
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description || scopes
      ? {
          description: [
            op.description,
            scopes &&
              `Token scope: ${scopes.map((s) => `\`${s}\``).join(' or ')} (\`admin\` holds every scope).`,
          ]
            .filter(Boolean)
            .join('\n\n'),
        }
      : {}),
    security: scopes ? [{ bearerToken: scopes }] : [],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.body.required,
            content: { 'application/json': { schema: ref(op.body.schema, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

let built: { json: string; document: Json } | undefined;

/** The document (built once, on first use: nothing of it runs at start-up). */
export function openApiDocument(version: string): { json: string; document: Json } {
  if (built) return built;
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = operation(op);
  const schemas = Object.fromEntries(
    [...COMPONENTS].map(([schema, name]) => [
      name,
      jsonSchema(schema, schema === (watchInputSchema as ZodType) ? 'input' : 'output', schema),
    ]),
  );
  const watch = schemas.WatchInput as { properties: Record<string, Json> };
  for (const [name, description] of Object.entries(WATCH_FIELDS))
    watch.properties[name]!.description = description;
  const document: Json = {
    openapi: '3.1.1',
    info: {
      title: 'Hallmark',
      version,
      summary: 'Signed certificates of authenticity for watches',
      description:
        'Errors always have the shape of `Error`, whatever the status. Write operations need a bearer token with a scope (`issue`, `read`, `report`, `admin`) and act only for the token’s brands. Metrics for Prometheus are served on their own port (`HALLMARK_METRICS_PORT`), not here.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/' }],
    tags: [...new Set(OPERATIONS.map((o) => o.tag))].map((name) => ({ name })),
    security: [],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'A token made by `hallmark tokens create --scope … --brand …`.',
        },
      },
    },
  };
  built = { json: JSON.stringify(document), document };
  return built;
}
