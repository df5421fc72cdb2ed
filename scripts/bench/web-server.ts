/**
 * bench:web's server, in a worker thread of its own: the real app over a benchmark registry (a
 * file the bench writes and issues into), and the reference pages beside it, on loopback. A
 * server sharing its event loop with the browser's driver would answer the page late whenever
 * the driver is busy, which no real server does. It counts the bytes it sends, for the bench.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import express from 'express';
import { buildPage } from '../../web/build.ts';
import { benchApp, openBenchRegistry } from './registry.ts';

/** What the bench passes: the registry's file and clock, and the page's build time. */
export interface WebServerData {
  dbPath: string;
  now: number;
  builtAt: number;
}

/** The references, served by the same server: see scripts/bench/web.ts. */
function floorRoutes(): express.Express {
  const floor = express();
  // A blank page whose one module script marks the moment it runs and its first frame, and
  // registers a minimal service worker (cache first): the floor of any page, and of any page
  // that opens offline.
  floor.get('/floor/', (_req, res) => {
    res
      .type('html')
      .send('<!doctype html><title>floor</title><script type="module" src="./floor.js"></script>');
  });
  floor.get('/floor/floor.js', (_req, res) => {
    res
      .type('text/javascript')
      .send(
        "performance.mark('hallmark:verdict'); requestAnimationFrame(() => performance.mark('hallmark:verdict-frame')); navigator.serviceWorker.register('./sw.js', { scope: './' });",
      );
  });
  floor.get('/floor/sw.js', (_req, res) => {
    res.type('text/javascript').send(`
      self.addEventListener('install', (e) => e.waitUntil(caches.open('floor')
        .then((c) => c.addAll(['./', './floor.js'])).then(() => self.skipWaiting())));
      self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
      self.addEventListener('fetch', (e) => e.respondWith(caches.match(e.request, { ignoreSearch: true })
        .then((hit) => hit || fetch(e.request))));`);
  });
  // The simplest page that paints: one line of text at the page's viewport, no script. Its
  // presentation time is the floor of the "painted" clock.
  floor.get('/floor-text/', (_req, res) => {
    res
      .type('html')
      .send(
        '<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1"><title>floor</title><h1 elementtiming="verdict">Authentic</h1>',
      );
  });
  return floor;
}

const { dbPath, now, builtAt } = workerData as WebServerData;
const registry = openBenchRegistry(dbPath, now);
const page = await buildPage({
  roots: registry.trust.rootJwks(),
  trustList: registry.trust.latest()!.jws,
  builtAt,
});
const outer = floorRoutes();
outer.use(benchApp(registry, page));
const server = createServer(outer);
const sockets = new Set<Socket>();
let closedBytes = 0;
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => {
    closedBytes += s.bytesWritten;
    sockets.delete(s);
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
parentPort!.on('message', (message: 'bytes' | 'close') => {
  if (message === 'bytes')
    parentPort!.postMessage({
      bytes: closedBytes + [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
    });
  else {
    for (const s of sockets) s.destroy();
    server.close(() => parentPort!.close());
  }
});
parentPort!.postMessage({ port: (server.address() as AddressInfo).port });
