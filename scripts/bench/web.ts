/**
 * `npm run bench:web`: the verification page in headless Chromium against the real app on
 * loopback. Bytes transferred for a first visit (gzip, headers included, service worker
 * precache included), and navigation start → verdict on screen, first visit and offline
 * repeat visit (medians of several runs). Measured twice in the same run: with a trust list of
 * one brand (one key), and with a platform-size list of 50 brands with 3 keys each, to show
 * what the list costs. Next to them, in the same run, the physical floor: a blank page with
 * one module script, and one Ed25519 verification in the same browser (noble, strict).
 * BENCH_RUNS sets the number of runs (11); BENCH_ONE=1 measures the one-brand list only.
 */
import type { AddressInfo, Socket } from 'node:net';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import express from 'express';
import type { Page } from 'playwright-core';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import { generateSigningKey } from '../../server/keys/signing-key.ts';
import type { Registry } from '../../server/registry/registry.ts';
import { toQr } from '../../shared/qr.ts';
import { buildPage, type PageBuild } from '../../web/build.ts';
import { launchChromium, PHONE } from '../../test/helpers/browser.ts';
import { addTestBrand, signTestTrustList } from '../../test/helpers/registry.ts';
import { fmt, row } from './measure.ts';
import { benchApp, benchRegistry, benchWatch } from './registry.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Figures {
  firstVisit: number[];
  offlineRepeat: number[];
  firstBytes: number[];
  floor: number[];
  floorOffline: number[];
  nobleMs: number;
  page: PageBuild;
  trustListBytes: number;
}

/** A registry whose trust list names `brands` brands (HUB first) with `keys` keys each. */
function platform(brands: number, keys: number): Registry {
  const { registry, now } = benchRegistry();
  for (let b = 1; b < brands; b++) {
    const code = `B${String(b).padStart(3, '0')}`;
    addTestBrand(registry, code, { name: `Maison ${code}` });
    for (let k = 1; k < keys; k++) registry.keys.rotate(code, now - 100 + k, generateSigningKey());
  }
  for (let k = 1; k < keys; k++) registry.keys.rotate('HUB', now - 100 + k, generateSigningKey());
  signTestTrustList(registry);
  return registry;
}

/**
 * Opens `url` and returns navigation start → verdict on screen (the first check's mark). Nothing
 * is run in the page until the verdict is drawn (a script injected by the harness would take the
 * main thread from the page it measures): the end of the first check is seen from outside, as
 * the request for the rest of the page, which it loads once its verdict is drawn.
 */
async function timeToVerdict(page: Page, url: string): Promise<number> {
  const rest = page.waitForRequest((r) => /\/assets\/app-[^/]+\.js$/.test(r.url()));
  await page.goto(url, { waitUntil: 'commit' });
  await rest;
  await page.locator('#verdict-title').waitFor();
  const mark = await page.evaluate(
    () => performance.getEntriesByName('hallmark:verdict')[0]?.startTime,
  );
  if (mark === undefined) throw new Error('the first check did not draw the verdict');
  return mark;
}

async function measure(registry: Registry): Promise<Figures> {
  const page = await buildPage({
    roots: registry.trust.rootJwks(),
    trustList: registry.trust.latest()!.jws,
  });
  const app = benchApp(registry, page);
  // The physical floor, served by the same server: a blank page whose one module script marks
  // the moment it runs. Nothing can show a verdict sooner in this browser on this machine.
  const outer = express();
  // The same blank page kept by a minimal service worker (cache first): the floor of any page
  // that opens offline, what the offline repeat visit compares with as well.
  const FLOOR_SW = `
    self.addEventListener('install', (e) => e.waitUntil(caches.open('floor')
      .then((c) => c.addAll(['./', './floor.js'])).then(() => self.skipWaiting())));
    self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
    self.addEventListener('fetch', (e) => e.respondWith(caches.match(e.request, { ignoreSearch: true })
      .then((hit) => hit || fetch(e.request))));`;
  outer.get('/floor/', (_req, res) => {
    res
      .type('html')
      .send('<!doctype html><title>floor</title><script type="module" src="./floor.js"></script>');
  });
  outer.get('/floor/floor.js', (_req, res) => {
    res
      .type('text/javascript')
      .send(
        "performance.mark('hallmark:verdict'); navigator.serviceWorker.register('./sw.js', { scope: './' });",
      );
  });
  outer.get('/floor/sw.js', (_req, res) => {
    res.type('text/javascript').send(FLOOR_SW);
  });
  outer.use(app);
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
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bytesSent = () => closedBytes + [...sockets].reduce((n, s) => n + s.bytesWritten, 0);

  const issuing = new IssuingService(registry);
  let serial = 0;
  const certLink = () => {
    const { record } = issuing.issue(benchWatch(`WEB${100000 + serial++}`), 'HUB', 'bench');
    return `${base}/#${toQr(record.certificate, base).text.split('#')[1]}`;
  };

  const browser = await launchChromium();
  const firstVisit: number[] = [];
  const offlineRepeat: number[] = [];
  const firstBytes: number[] = [];
  const floor: number[] = [];
  const floorOffline: number[] = [];
  let nobleMs = 0;
  try {
    for (let i = 0; i < RUNS; i++) {
      const floorContext = await browser.newContext(PHONE);
      const floorPage = await floorContext.newPage();
      await floorPage.goto(`${base}/floor/`);
      floor.push(
        await floorPage.evaluate(
          () => performance.getEntriesByName('hallmark:verdict')[0]!.startTime,
        ),
      );
      await floorPage.evaluate(async () => {
        await navigator.serviceWorker.ready;
        if (!navigator.serviceWorker.controller)
          await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r));
      });
      await floorContext.setOffline(true);
      const floorAgain = await floorContext.newPage();
      await floorAgain.goto(`${base}/floor/?again`);
      floorOffline.push(
        await floorAgain.evaluate(
          () => performance.getEntriesByName('hallmark:verdict')[0]!.startTime,
        ),
      );
      await floorContext.close();
      const context = await browser.newContext(PHONE);
      const p = await context.newPage();
      const startBytes = bytesSent();
      firstVisit.push(await timeToVerdict(p, certLink()));
      await p.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        return reg.active?.state;
      });
      await p.waitForTimeout(300); // let the worker finish precaching
      firstBytes.push(bytesSent() - startBytes);
      await context.setOffline(true);
      const again = await context.newPage();
      offlineRepeat.push(await timeToVerdict(again, certLink()));
      if ((await again.locator('#verdict-title').getAttribute('data-verdict')) !== 'AUTHENTIC')
        throw new Error(
          `offline verdict was not AUTHENTIC: ${await again.locator('#verdict').innerText()}`,
        );
      if (process.env.BENCH_DEBUG) {
        for (const pg of [p, again]) {
          process.stderr.write(
            JSON.stringify(
              await pg.evaluate(() => {
                const n = performance.getEntriesByType(
                  'navigation',
                )[0] as PerformanceNavigationTiming;
                return (
                  [
                    n.workerStart,
                    n.fetchStart,
                    n.responseStart,
                    n.responseEnd,
                    n.domInteractive,
                    n.domContentLoadedEventEnd,
                    performance.getEntriesByName('hallmark:verdict')[0]!.startTime,
                  ]
                    .map(Math.round)
                    .join(' ') +
                  ' marks ' +
                  [
                    ...performance.getEntriesByType('mark'),
                    ...performance.getEntriesByType('paint'),
                  ]
                    .map((m) => m.name + '=' + Math.round(m.startTime))
                    .join(' ') +
                  ' | ' +
                  (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
                    .map(
                      (e) =>
                        e.name.split('/').pop() +
                        ':' +
                        Math.round(e.startTime) +
                        '-' +
                        Math.round(e.responseEnd),
                    )
                    .join(' ')
                );
              }),
            ) + '\n',
          );
        }
      }
      if (i === 0) {
        // The physical floor in this browser: the cost of verify() itself, measured in the page.
        nobleMs = await again.evaluate(async (text) => {
          const input = document.getElementById('paste') as HTMLTextAreaElement;
          input.value = text;
          const t0 = performance.now();
          for (let k = 0; k < 20; k++)
            (document.getElementById('paste-form') as HTMLFormElement).requestSubmit();
          await new Promise((r) => setTimeout(r, 0));
          return (performance.now() - t0) / 20;
        }, certLink().split('#')[1]!);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  return {
    firstVisit,
    offlineRepeat,
    firstBytes,
    floor,
    floorOffline,
    nobleMs,
    page,
    trustListBytes: registry.trust.latest()!.jws.length,
  };
}

const one = await measure(benchRegistry().registry);
const fifty = process.env.BENCH_ONE ? undefined : await measure(platform(50, 3));

/** What the verdict needs: index.html, with the first check's script and the styles in it. */
const critical = (page: PageBuild) => [...page.entries()].filter(([p]) => p === 'index.html');
/** The rest of the page, loaded once the verdict is on screen. */
const after = (page: PageBuild) =>
  [...page.entries()].filter(([p]) => /^assets\/(app|chunk)-/.test(p));
const gz = (files: [string, { body: Buffer }][]) =>
  files.reduce((n, [, f]) => n + gzipSync(f.body, { level: 9 }).length, 0);
const jsqr = [...one.page.entries()].find(([p]) => p.startsWith('assets/jsQR-'));
process.stdout.write(
  `Hallmark page benchmark — headless Chromium (Debian), ${RUNS} runs, loopback, phone viewport\n\n`,
);
const measured: [string, Figures][] = [['trust list of 1 brand, 1 key', one]];
if (fifty) measured.push(['trust list of 50 brands × 3 keys', fifty]);
for (const [label, f] of measured) {
  process.stdout.write(`${label}\n`);
  row(
    '  first visit: bytes transferred (gzip, all)',
    `${fmt(median(f.firstBytes) / 1024, 1)} KB`,
    'headers and service worker precache included',
  );
  row(
    '  before the verdict: the page (gzip body)',
    `${fmt(gz(critical(f.page)) / 1024, 1)} KB`,
    'index.html, with the first check and the styles written in',
  );
  row(
    '  after the verdict: the rest of the page (gzip bodies)',
    `${fmt(gz(after(f.page)) / 1024, 1)} KB`,
    after(f.page)
      .map(([p]) => p.replace(/-[A-Z0-9]{8}\./, '.'))
      .join(', '),
  );
  row(
    '  navigation start → verdict, first visit',
    `${fmt(median(f.firstVisit), 1)} ms`,
    `min ${fmt(Math.min(...f.firstVisit), 1)}, max ${fmt(Math.max(...f.firstVisit), 1)}`,
  );
  row(
    '  navigation start → verdict, offline repeat',
    `${fmt(median(f.offlineRepeat), 1)} ms`,
    `min ${fmt(Math.min(...f.offlineRepeat), 1)}, max ${fmt(Math.max(...f.offlineRepeat), 1)}`,
  );
  row(
    '  reference: blank page + one module script',
    `${fmt(median(f.floor), 1)} ms`,
    'its first paint: the floor of this browser and machine (same run)',
  );
  row(
    '  reference: the same, offline through a service worker',
    `${fmt(median(f.floorOffline), 1)} ms`,
    'the floor of any page that opens offline',
  );
  // Each run measures the page and the blank page back to back: the ratio of each pair, then
  // the median, so that the machine's drift between runs cancels out.
  const ratio = (xs: number[]) => median(xs.map((x, i) => x / f.floor[i]!));
  const first = ratio(f.firstVisit);
  const repeat = ratio(f.offlineRepeat);
  row(
    '  first visit ÷ blank page',
    `${fmt(first, 2)} ×`,
    `goal ≤ 2 × (issue 14): ${first <= 2 ? 'met' : 'NOT met'}`,
  );
  row(
    '  offline repeat ÷ blank page',
    `${fmt(repeat, 2)} ×`,
    `goal ≤ 1.3 × (issue 14): ${repeat <= 1.3 ? 'met' : 'NOT met'}; ÷ the offline blank page: ${fmt(median(f.offlineRepeat.map((x, i) => x / f.floorOffline[i]!)), 2)} ×`,
  );
  row('  reference: one check in a warm page', `${fmt(f.nobleMs, 2)} ms`, 'verify + render');
}
if (fifty) {
  const fiftyList = platform(50, 3).trust.latest()!.jws;
  process.stdout.write('\nwhat 50 brands × 3 keys add to the page, against 1 brand, same run\n');
  row(
    '  trust list (JWS text), 50 × 3',
    `${fmt(fiftyList.length / 1024, 1)} KB raw, ${fmt(gzipSync(fiftyList, { level: 9 }).length / 1024, 1)} KB gzip`,
    `1 brand: ${fmt(one.trustListBytes / 1024, 2)} KB raw`,
  );
  row(
    '  first visit bytes added',
    `${fmt((median(fifty.firstBytes) - median(one.firstBytes)) / 1024, 1)} KB`,
    'the list baked into the script; the online check is an empty 304',
  );
  row(
    '  first visit verdict time added',
    `${fmt(median(fifty.firstVisit) - median(one.firstVisit), 1)} ms`,
    'reading the bigger list baked in, verified at build time (noise: ±30 ms)',
  );
  row(
    '  offline repeat verdict time added',
    `${fmt(median(fifty.offlineRepeat) - median(one.offlineRepeat), 1)} ms`,
    '',
  );
}
row(
  '  QR decoder chunk, loaded only when scanning',
  `${fmt(jsqr ? gzipSync(jsqr[1].body, { level: 9 }).length / 1024 : 0, 1)} KB`,
  'not part of a first visit',
);
