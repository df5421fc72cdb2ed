/** /api/v1/certificates: issue (scope issue), read and QR images (scope read). */
import { Router, json } from 'express';
import { z } from 'zod';
import { parseWatchInput } from '../../../shared/watch-input.ts';
import { issuerCode, serialNumber } from '../../../shared/claims.ts';
import { renderPng, renderSvg } from '../../qr/render.ts';
import { toQr } from '../../../shared/qr.ts';
import type { Registry } from '../../registry/registry.ts';
import { actorName, requireScope } from '../auth.ts';
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
