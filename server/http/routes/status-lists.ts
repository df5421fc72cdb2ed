/**
 * The signed status lists, `/status/<n>.jwt`: static-like and CDN-cacheable, the same file
 * for everybody whatever watch is checked. Each list is its brand's, signed by its key.
 */
import { type RequestHandler, Router } from 'express';
import type { Registry } from '../../registry/registry.ts';
import type { Metrics } from '../../metrics.ts';
import { statusLists } from '../../status/status-lists.ts';
import { ApiError } from '../errors.ts';
import { sendCacheable } from '../headers.ts';

export function statusListRoutes(
  registry: Registry,
  publicLimit: RequestHandler,
  metrics?: Metrics,
): Router {
  const router = Router();
  const lists = statusLists(registry, {
    ...(metrics
      ? { onBuild: (brand: string, s: number) => metrics.statusListBuilt(brand, s) }
      : {}),
  });
  router.get('/status/:file', publicLimit, (req, res) => {
    const m = /^(\d{1,4})\.jwt$/.exec(String(req.params.file));
    const built = m ? lists.get(Number(m[1])) : undefined;
    if (!built) throw new ApiError(404, 'NOT_FOUND', 'no such status list');
    res.set('Cache-Control', 'public, max-age=300');
    res.set('Access-Control-Allow-Origin', '*');
    sendCacheable(req, res, built.jws, 'application/statuslist+jwt');
  });
  return router;
}
