/** /api/v1/certificates: issue (scope issue), read and QR images (scope read), for the token's brands. */
import { Router, type RequestHandler } from 'express';
import type { Metrics } from '../../metrics.ts';
import { z } from 'zod';
import { asciiUpper } from '../../../shared/claims.ts';
import { parseWatchInput } from '../../../shared/watch-input.ts';
import { renderPng, renderSvg } from '../../qr/render.ts';
import { toQr } from '../../../shared/qr.ts';
import type { Registry } from '../../registry/registry.ts';
import {
  batchIssuer,
  IdempotencyConflict,
  IdempotencyInProgress,
  MAX_BATCH_ITEMS,
} from '../../issuing/batch.ts';
import type { IssuingService } from '../../issuing/issuing-service.ts';
import { actingBrand, actorName, requireBrand, requireScope, type Actor } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { jsonBody } from '../content-type.ts';
import { brandParam, issuerQuery, serialParams } from '../params.ts';
import { parseRequest } from '../validate.ts';
import { certificateViews } from '../views.ts';

export interface CertificateRouteConfig {
  publicUrl: string;
  defaultIssuer: string;
  idempotencyRetention?: number | undefined;
}

/** What an Idempotency-Key header may hold. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;
export const batchBody = z.strictObject({
  items: z.array(z.unknown()).min(1, 'must hold at least one item'),
});
export const imageQuery = z.strictObject({
  issuer: brandParam.optional(),
  ecc: z.enum(['L', 'M', 'Q', 'H']).default('M'),
  scale: z.coerce.number().int().min(1).max(40).default(8),
  margin: z.coerce.number().int().min(0).max(16).default(4),
});
/** The image formats of `qr.:format`. */
export const qrFormat = z.enum(['png', 'svg']);

/** The brand a raw batch item names, normalised as parseWatchInput does; undefined if none. */
function namedBrand(item: unknown): string | undefined {
  const issuer = (item as { issuer?: unknown } | null)?.issuer;
  return typeof issuer === 'string' ? asciiUpper(issuer) : undefined;
}

export function certificateRoutes(
  registry: Registry,
  issuing: IssuingService,
  config: CertificateRouteConfig,
  metrics?: Metrics,
): Router {
  const router = Router();
  const { tokens, certificates } = registry;
  const view = certificateViews(registry, config.publicUrl);

  // Every outcome is counted, refusals included (401, 403, 400 count as 4xx for no brand).
  const countIssue: RequestHandler = (_req, res, next) => {
    if (metrics)
      res.once('finish', () =>
        metrics.issued(res.locals.issueBrand as string | undefined, res.statusCode),
      );
    next();
  };
  router.post(
    '/',
    countIssue,
    requireScope(tokens, 'issue'),
    ...jsonBody('16kb'),
    async (req, res) => {
      const input = parseWatchInput(req.body);
      const brand = actingBrand(res.locals, input.issuer, config.defaultIssuer);
      res.locals.issueBrand = brand;
      const { outcome, record } = await issuing.issueQueued(input, brand, actorName(res.locals));
      res.status(outcome === 'created' ? 201 : 200).json(view(record));
    },
  );

  const issueBatch = batchIssuer(registry, issuing, view, config.idempotencyRetention);
  router.post('/batch', requireScope(tokens, 'issue'), ...jsonBody('2mb'), async (req, res) => {
    const key = req.get('Idempotency-Key');
    if (key === undefined)
      throw new ApiError(400, 'VALIDATION_FAILED', 'an Idempotency-Key header is required', [
        { path: 'Idempotency-Key', message: 'is required' },
      ]);
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError(400, 'VALIDATION_FAILED', 'invalid Idempotency-Key', [
        { path: 'Idempotency-Key', message: 'must be 1-128 letters, digits or . _ : -' },
      ]);
    }
    const items = (req.body as { items?: unknown } | null)?.items;
    if (Array.isArray(items) && items.length > MAX_BATCH_ITEMS) {
      throw new ApiError(
        413,
        'TOO_MANY_ITEMS',
        `a batch holds at most ${MAX_BATCH_ITEMS} items; got ${items.length}`,
        [{ path: 'items', message: `must have at most ${MAX_BATCH_ITEMS} items` }],
      );
    }
    const body = parseRequest(batchBody, req.body, 'body');
    const actor = res.locals.actor as Actor;
    // Every brand the batch names is checked before anything is written: a batch that
    // reaches into another brand is refused whole (403), not issued in part.
    const defaultBrand = actingBrand(res.locals, undefined, config.defaultIssuer);
    for (const item of body.items) {
      const named = namedBrand(item);
      if (named !== undefined) requireBrand(res.locals, named);
    }
    try {
      const { replayed, result } = await issueBatch(
        body.items,
        defaultBrand,
        actorName(res.locals),
        {
          tokenId: actor.tokenId,
          key,
          body: JSON.stringify(req.body),
          now: registry.now(),
        },
      );
      if (replayed) res.set('Idempotent-Replayed', 'true');
      else if (metrics)
        for (const item of result.items)
          metrics.batchItems(
            item.status === 'rejected' ? undefined : item.certificate.issuer,
            item.status,
            1,
          );
      res.status(200).json(result);
    } catch (error) {
      if (error instanceof IdempotencyInProgress)
        throw new ApiError(409, 'IDEMPOTENCY_KEY_IN_USE', error.message, [
          { path: 'Idempotency-Key', message: error.message },
        ]);
      if (error instanceof IdempotencyConflict)
        throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', error.message, [
          { path: 'Idempotency-Key', message: error.message },
        ]);
      throw error;
    }
  });

  const find = (
    locals: Record<string, unknown>,
    params: unknown,
    query: { issuer?: string | undefined },
  ) => {
    const { serial } = parseRequest(serialParams, params, 'params');
    const brand = actingBrand(locals, query.issuer, config.defaultIssuer);
    const record = certificates.findLatest(brand, serial);
    if (!record) throw new ApiError(404, 'NOT_FOUND', `no certificate for serial ${serial}`);
    return record;
  };

  router.get('/:serial', requireScope(tokens, 'read'), (req, res) => {
    res.json(view(find(res.locals, req.params, parseRequest(issuerQuery, req.query, 'query'))));
  });

  router.get('/:serial/qr.:format', requireScope(tokens, 'read'), async (req, res) => {
    const parsed = qrFormat.safeParse(req.params.format);
    if (!parsed.success) throw new ApiError(404, 'NOT_FOUND', 'QR images are qr.png or qr.svg');
    const format = parsed.data;
    const options = parseRequest(imageQuery, req.query, 'query');
    const record = find(res.locals, { serial: req.params.serial }, options);
    const qr = toQr(
      record.certificate,
      registry.brands.publicUrlOf(record.issuer, config.publicUrl),
    );
    res.set('Cache-Control', 'private, max-age=300');
    if (format === 'png') res.type('image/png').send(await renderPng(qr, options));
    else res.type('image/svg+xml').send(await renderSvg(qr, options));
  });

  return router;
}
