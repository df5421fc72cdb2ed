/** /api/v1/certificates: issue (scope issue), read and QR images (scope read). */
import { Router, json } from 'express';
import { z } from 'zod';
import { parseWatchInput } from '../../../shared/watch-input.ts';
import { issuerCode, serialNumber } from '../../../shared/claims.ts';
import { renderPng, renderSvg } from '../../qr/render.ts';
import { toQr } from '../../../shared/qr.ts';
import type { Registry } from '../../registry/registry.ts';
import { batchIssuer, IdempotencyConflict, MAX_BATCH_ITEMS } from '../../issuing/batch.ts';
import { actorName, requireScope, type Actor } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { requireJson } from '../content-type.ts';
import { parseRequest } from '../validate.ts';
import { certificateView } from '../views.ts';

export interface CertificateRouteConfig {
  publicUrl: string;
  defaultIssuer: string;
}

const upper = (s: string) => s.trim().toUpperCase();
const serialParam = z.object({
  serial: z
    .string()
    .transform(upper)
    .refine((s) => serialNumber.safeParse(s).success, 'is not a valid serial number'),
});
const issuerQuery = z
  .string()
  .transform(upper)
  .refine((s) => issuerCode.safeParse(s).success, 'is not a valid brand code');
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;
const batchBody = z.strictObject({
  items: z.array(z.unknown()).min(1, 'must hold at least one item'),
});
const readQuery = z.strictObject({ issuer: issuerQuery.optional() });
const imageQuery = z.strictObject({
  issuer: issuerQuery.optional(),
  ecc: z.enum(['L', 'M', 'Q', 'H']).default('M'),
  scale: z.coerce.number().int().min(1).max(40).default(8),
  margin: z.coerce.number().int().min(0).max(16).default(4),
});

export function certificateRoutes(registry: Registry, config: CertificateRouteConfig): Router {
  const router = Router();
  const { tokens, certificates, issuing } = registry;

  router.post(
    '/',
    requireScope(tokens, 'issue'),
    requireJson,
    json({ limit: '16kb' }),
    async (req, res) => {
      const input = parseWatchInput(req.body);
      const { outcome, record } = await issuing.issueQueued(input, actorName(res.locals));
      res.status(outcome === 'created' ? 201 : 200).json(certificateView(record, config.publicUrl));
    },
  );

  const issueBatch = batchIssuer(registry, (record) => certificateView(record, config.publicUrl));
  router.post(
    '/batch',
    requireScope(tokens, 'issue'),
    requireJson,
    json({ limit: '2mb' }),
    (req, res) => {
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
      try {
        const { replayed, result } = issueBatch(body.items, actorName(res.locals), {
          tokenId: actor.tokenId,
          key,
          body: JSON.stringify(req.body),
          now: registry.issuing.now(),
        });
        if (replayed) res.set('Idempotent-Replayed', 'true');
        res.status(200).json(result);
      } catch (error) {
        if (error instanceof IdempotencyConflict)
          throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', error.message, [
            { path: 'Idempotency-Key', message: error.message },
          ]);
        throw error;
      }
    },
  );

  const find = (params: unknown, query: { issuer?: string | undefined }) => {
    const { serial } = parseRequest(serialParam, params, 'params');
    const record = certificates.findLatest(query.issuer ?? config.defaultIssuer, serial);
    if (!record) throw new ApiError(404, 'NOT_FOUND', `no certificate for serial ${serial}`);
    return record;
  };

  router.get('/:serial', requireScope(tokens, 'read'), (req, res) => {
    const record = find(req.params, parseRequest(readQuery, req.query, 'query'));
    res.json(certificateView(record, config.publicUrl));
  });

  router.get('/:serial/qr.:format', requireScope(tokens, 'read'), async (req, res) => {
    const format = req.params.format;
    if (format !== 'png' && format !== 'svg')
      throw new ApiError(404, 'NOT_FOUND', 'QR images are qr.png or qr.svg');
    const options = parseRequest(imageQuery, req.query, 'query');
    const qr = toQr(find({ serial: req.params.serial }, options).certificate, config.publicUrl);
    res.set('Cache-Control', 'private, max-age=300');
    if (format === 'png') res.type('image/png').send(await renderPng(qr, options));
    else res.type('image/svg+xml').send(await renderSvg(qr, options));
  });

  return router;
}
