/**
 * Public, cacheable, static-like endpoints: the JWKS (for standard JOSE tools), the signed
 * trust list (what pages and retailers trust), and the health check.
 */
import { gzipSync } from 'node:zlib';
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
  let gzipped: { seq: number; body: Buffer } | undefined;
  router.get(`/${TRUST_LIST_PATH}`, (req, res) => {
    // Verified under the registry's roots when installed and again when read: a damaged row
    // is an error here, never a list served to pages.
    const list = registry.trust.latest();
    if (!list) throw new ApiError(404, 'NOT_FOUND', 'no trust list has been installed');
    res.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400');
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Vary', 'Accept-Encoding');
    // One list per seq (a second list with the same seq is refused at install), so the seq is
    // the ETag: a page that holds the list asks with If-None-Match and gets an empty 304.
    res.set('ETag', `"trust-${list.payload.seq}"`);
    res.type('application/jwt');
    if (req.fresh) return void res.status(304).end();
    if (req.acceptsEncodings('gzip') !== 'gzip') return void res.send(list.jws);
    if (gzipped?.seq !== list.payload.seq)
      gzipped = { seq: list.payload.seq, body: gzipSync(list.jws, { level: 9 }) };
    res.set('Content-Encoding', 'gzip').send(gzipped.body);
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
