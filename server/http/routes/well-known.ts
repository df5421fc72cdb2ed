/** Public, cacheable, static-like endpoints: the JWKS and the health check. */
import { Router } from 'express';
import type { Registry } from '../../registry/registry.ts';
import { sendCacheable } from '../headers.ts';

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
