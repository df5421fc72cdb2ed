/** The public retailer check: authentic, status, owners, last transfer; never who. */
import { type RequestHandler, Router } from 'express';
import type { Registry } from '../../registry/registry.ts';
import { retailerCheck } from '../../status/retailer-check.ts';
import { ApiError } from '../errors.ts';
import { issuerQuery, serialParams } from '../params.ts';
import { parseRequest } from '../validate.ts';

export function retailerRoutes(
  registry: Registry,
  config: { defaultIssuer: string },
  publicLimit: RequestHandler,
): Router {
  const router = Router();
  router.get('/:serial/check', publicLimit, (req, res) => {
    const { serial } = parseRequest(serialParams, req.params, 'params');
    const brand = parseRequest(issuerQuery, req.query, 'query').issuer ?? config.defaultIssuer;
    const result = retailerCheck(registry, brand, serial, registry.now());
    if (!result)
      throw new ApiError(404, 'NOT_FOUND', `no Hallmark certificate for serial ${serial}`);
    res.set('Cache-Control', 'no-store');
    res.json(result);
  });
  return router;
}
