/**
 * The API described: `/api/v1/openapi.json` (OpenAPI 3.1, built from the zod schemas) and
 * `/api/v1/reference`, the same for people, with no script and a CSP that allows only its
 * own style. Both are built on first request, then served from memory with an ETag.
 */
import { Router, type RequestHandler } from 'express';
import pkg from '../../../package.json' with { type: 'json' };
import { sendCacheable } from '../headers.ts';
import { openApiDocument } from '../openapi.ts';
import { REFERENCE_CSP, referencePage } from '../reference-page.ts';

export function apiDocsRoutes(publicLimit: RequestHandler): Router {
  const router = Router();
  let page: string | undefined;
  router.get('/openapi.json', publicLimit, (req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.set('Access-Control-Allow-Origin', '*');
    sendCacheable(req, res, openApiDocument(pkg.version).json, 'application/json');
  });
  router.get('/reference', publicLimit, (req, res) => {
    page ??= referencePage(openApiDocument(pkg.version).document);
    res.set('Content-Security-Policy', REFERENCE_CSP);
    res.set('Cache-Control', 'public, max-age=300');
    sendCacheable(req, res, page, 'text/html; charset=utf-8');
  });
  return router;
}
