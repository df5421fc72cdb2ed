/**
 * The retailer check: authentic, status, owners, last transfer; never who.
 * - `POST /api/v1/check {"certificate": "<QR link, digits or JWS>"}`: public. It answers only
 *   the holder of a certificate the registry issued; every other request (a serial that does
 *   not exist, one that does, a forgery) gets the same 404, so serials cannot be enumerated.
 * - `GET /api/v1/certificates/:serial/check`: for retailer tokens (`report` or `read`) of
 *   the watch's brand, by serial alone.
 */
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { MAX_QR_TEXT } from '../../../shared/qr.ts';
import type { Registry } from '../../registry/registry.ts';
import { presentedCheck, retailerCheck } from '../../status/retailer-check.ts';
import { requireAnyScope, targetWatch } from '../auth.ts';
import { jsonBody } from '../content-type.ts';
import { ApiError } from '../errors.ts';
import { parseRequest } from '../validate.ts';

export const presentedBody = z.strictObject({
  certificate: z.string().min(1, 'is required').max(MAX_QR_TEXT, 'is too long'),
});

const NO_MATCH = 'no Hallmark certificate matches';

export function retailerRoutes(
  registry: Registry,
  config: { defaultIssuer: string },
  publicLimit: RequestHandler,
) {
  const certificatesRouter = Router();
  const root = Router();

  certificatesRouter.get(
    '/:serial/check',
    requireAnyScope(registry.tokens, ['report', 'read']),
    (req, res) => {
      const { serial, brand } = targetWatch(req, res.locals, config.defaultIssuer);
      const result = retailerCheck(registry, brand, serial, registry.now());
      if (!result) throw new ApiError(404, 'NOT_FOUND', `no certificate for serial ${serial}`);
      res.set('Cache-Control', 'no-store');
      res.json(result);
    },
  );

  root.post('/api/v1/check', publicLimit, ...jsonBody('16kb'), (req, res) => {
    const { certificate } = parseRequest(presentedBody, req.body, 'body');
    const result = presentedCheck(registry, certificate, registry.now());
    res.set('Cache-Control', 'no-store');
    if (!result) throw new ApiError(404, 'NOT_FOUND', NO_MATCH);
    res.json(result);
  });

  return { certificatesRouter, root };
}
