/** The verification page at `/`: the static files of a page build, with the strict CSP. */
import { gzipSync } from 'node:zlib';
import { Router } from 'express';
import { ISOLATED_PAGE, PAGE_CSP_HEADER, type PageBuild } from '../../../web/build.ts';
import { sendCacheable } from '../headers.ts';

export function pageRoutes(files: PageBuild): Router {
  // Compressed once at start, not per request: the page is what the public loads.
  const gzipped = new Map(
    [...files].map(([path, file]) => [path, gzipSync(file.body, { level: 9 })]),
  );
  const router = Router();
  router.get(
    ['/', '/index.html', `/${ISOLATED_PAGE}`, '/sw.js', '/manifest.webmanifest', '/assets/:file'],
    (req, res, next) => {
      const path = req.path === '/' ? 'index.html' : req.path.slice(1);
      const file = files.get(path);
      if (!file) return next();
      res.set('Content-Security-Policy', file.csp ?? PAGE_CSP_HEADER);
      // The page cuts off an opener itself (web/src/isolate.ts): only its isolated copy takes
      // the header, which costs every visit a new browsing context group (web/build.ts).
      if (file.isolated) res.set('Cross-Origin-Opener-Policy', 'same-origin');
      else res.removeHeader('Cross-Origin-Opener-Policy');
      res.set(
        'Cache-Control',
        file.caching === 'immutable' ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      res.set('Vary', 'Accept-Encoding');
      if (req.acceptsEncodings('gzip') === 'gzip') {
        res.set('Content-Encoding', 'gzip');
        sendCacheable(req, res, gzipped.get(path)!, file.type);
      } else {
        sendCacheable(req, res, file.body, file.type);
      }
    },
  );
  return router;
}
