/// <reference lib="webworker" />
/**
 * The service worker: keeps the page's files on the device so a certificate link opens and
 * verifies with no network. The page and its assets are precached at install. Navigations are
 * answered from the cache at once and refreshed in the background (the fragment, which holds
 * the certificate, is never part of a request), so a new build's page opens on the visit
 * after the one that fetched it; where the browser has static routing, it reads the content-
 * hashed assets from the cache itself, without waking this worker. The trust list and status
 * lists are kept by the page itself (verified, in storage), not here.
 */
declare const self: ServiceWorkerGlobalScope;
declare const __PRECACHE__: string[];
declare const __CACHE_VERSION__: string;
/** The page served with Cross-Origin-Opener-Policy (web/build.ts, ISOLATED_PAGE). */
declare const __ISOLATED_PAGE__: string;

const CACHE = `hallmark-${__CACHE_VERSION__}`;
const scope = new URL(self.registration.scope);
const INDEX = new URL('./', scope).href;
const ISOLATED = new URL(__ISOLATED_PAGE__, scope).pathname;
/** What the page needs offline. */
const PRECACHE = __PRECACHE__;

/** The Static Routing API (Chromium 123+): not in TypeScript's lib yet. */
interface RouterInstall {
  addRoutes?(
    rules: { condition: { urlPattern: string }; source: 'cache' | 'fetch-event' }[],
  ): Promise<void>;
}

self.addEventListener('install', (event) => {
  // The precached assets are content-hashed and never change: where the browser can, it reads
  // them from the cache itself, without waking this worker for each (the page opens sooner).
  const router = event as unknown as RouterInstall;
  if (typeof router.addRoutes === 'function')
    event.waitUntil(
      router
        .addRoutes(
          PRECACHE.filter((path) => path.startsWith('./assets/')).map((path) => ({
            condition: { urlPattern: new URL(path, scope).pathname },
            source: 'cache' as const,
          })),
        )
        .catch(() => undefined),
    );
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((path) => new URL(path, scope).href)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((n) => n.startsWith('hallmark-') && n !== CACHE)
            .map((n) => caches.delete(n)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

/** The cached page at once (offline or on a slow network), refreshed in the background. */
async function staleWhileRevalidate(
  request: Request,
  key: string,
  wait: (p: Promise<unknown>) => void,
): Promise<Response> {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key);
  const update = fetch(request)
    .then(async (response) => {
      if (response.ok) await cache.put(key, response.clone());
      return response;
    })
    .catch(() => undefined);
  wait(update);
  return cached ?? (await update) ?? Response.error();
}

/** A page response with `Cross-Origin-Opener-Policy: same-origin` (see web/src/isolate.ts). */
function withOpenerPolicy(response: Response): Response {
  if (response.type === 'error') return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

/**
 * Other files from the cache, else the network. Content-hashed assets fetched on first use
 * (the QR decoder) are kept, so that the scanner works offline once it has been opened.
 */
async function cachedAsset(request: Request, url: URL): Promise<Response> {
  const hit = await caches.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && url.pathname.startsWith(new URL('assets/', scope).pathname)) {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== scope.origin) return;
  if (event.request.mode === 'navigate') {
    const wait = (p: Promise<unknown>) => event.waitUntil(p);
    if (url.pathname === ISOLATED) {
      // The page itself, with the header that cuts off the page that opened it: from the cached
      // page (refreshed as on any visit), so that this works offline too.
      event.respondWith(
        staleWhileRevalidate(new Request(INDEX), INDEX, wait).then(withOpenerPolicy),
      );
    } else {
      event.respondWith(staleWhileRevalidate(event.request, INDEX, wait));
    }
  } else {
    event.respondWith(cachedAsset(event.request, url));
  }
});
