/**
 * Public, cacheable, static-like endpoints: the JWKS (for standard JOSE tools), the signed
 * trust list (what pages and retailers trust), and the health check.
 */
import { Router } from 'express';
import type { Registry } from '../../registry/registry.ts';
import { ApiError } from '../errors.ts';
import { sendCacheable } from '../headers.ts';

/** Where the signed trust list is served, relative to the page. */
export const TRUST_LIST_PATH = '.well-known/hallmark-trust-list.jwt';

export function wellKnownRoutes(registry: Registry): Router {
  const router = Router();
  router.get('/.well-known/jwks.json', (req, res) => {
    // Every key that may verify: the active one and the retired ones, with their windows.
    res.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400');
    res.set('Access-Control-Allow-Origin', '*');
    sendCacheable(
      req,
      res,
      JSON.stringify({ keys: registry.keys.publicJwks() }),
      'application/json',
    );
  });
  router.get(`/${TRUST_LIST_PATH}`, (req, res) => {
    // Verified under the registry's roots when installed and again when read: a damaged row
    // is an error here, never a list served to pages.
    const list = registry.trust.latest();
    if (!list) throw new ApiError(404, 'NOT_FOUND', 'no trust list has been installed');
    res.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400');
    res.set('Access-Control-Allow-Origin', '*');
    sendCacheable(req, res, list.jws, 'application/jwt');
  });
  return router;
}

export function healthRoutes(registry: Registry): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    registry.db.prepare('SELECT 1').get();
    res.set('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  return router;
}
