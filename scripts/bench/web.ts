/**
 * `npm run bench:web`: the verification page in headless Chromium against the real app on
 * loopback. Bytes transferred for a first visit (gzip, headers included, service worker
 * precache included), and navigation start → verdict on screen, first visit and offline
 * repeat visit (medians of several runs). Next to them, in the same run, the physical floor:
 * one Ed25519 verification in the same browser (noble, strict).
 */
import type { AddressInfo, Socket } from 'node:net';
import { createServer } from 'node:http';
import express from 'express';
import pino from 'pino';
import { createApp } from '../../server/http/app.ts';
import { parseWatchInput } from '../../shared/watch-input.ts';
import { buildPage } from '../../web/build.ts';
import { launchChromium, PHONE } from '../../test/helpers/browser.ts';
import { fmt, row } from './measure.ts';
import { benchRegistry } from './registry.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const { registry } = benchRegistry();
const page = await buildPage({ jwks: { keys: registry.keys.publicJwks() } });
const app = createApp({
  registry,
  page,
  logger: pino({ level: 'silent' }),
  config: {
    publicUrl: 'http://127.0.0.1/',
    defaultIssuer: 'HUB',
    publicRateLimit: 1e6,
    trustProxy: 0,
  },
});
// The physical floor, served by the same server: a blank page whose one module script marks
// the moment it runs. Nothing can show a verdict sooner in this browser on this machine.
const outer = express();
outer.get('/floor.html', (_req, res) => {
  res
    .type('html')
    .send('<!doctype html><title>floor</title><script type="module" src="./floor.js"></script>');
});
outer.get('/floor.js', (_req, res) => {
  res.type('text/javascript').send("performance.mark('hallmark:verdict');");
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

let serial = 0;
const link = () => {
  const { record } = registry.issuing.issue(
    parseWatchInput({
      serial: `WEB${100000 + serial++}`,
      reference: '441.NX.1170.RX',
      model: 'Big Bang Unico 42 mm',
      caseMaterial: 'King Gold',
      calibre: 'HUB1280',
      manufacturedOn: '2026-03-02',
    }),
    'bench',
  );
  return `${base}/#${record.certificate && (record.certificate.jws, '')}`;
};
const { toQr } = await import('../../shared/qr.ts');
const certLink = () => {
  link();
  const rec = registry.certificates.findLatest('HUB', `WEB${100000 + serial - 1}`)!;
  return `${base}/#${toQr(rec.certificate, base).text.split('#')[1]}`;
};

const browser = await launchChromium();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const firstVisit: number[] = [];
const offlineRepeat: number[] = [];
const firstBytes: number[] = [];
const floor: number[] = [];
let nobleMs = 0;
try {
  for (let i = 0; i < RUNS; i++) {
    const floorContext = await browser.newContext(PHONE);
    const floorPage = await floorContext.newPage();
    await floorPage.goto(`${base}/floor.html`);
    floor.push(
      await floorPage.evaluate(
        () => performance.getEntriesByName('hallmark:verdict')[0]!.startTime,
      ),
    );
    await floorContext.close();
    const context = await browser.newContext(PHONE);
    const p = await context.newPage();
    const startBytes = bytesSent();
    await p.goto(certLink());
    await p.locator('#verdict-title').waitFor();
    firstVisit.push(
      await p.evaluate(() => performance.getEntriesByName('hallmark:verdict')[0]!.startTime),
    );
    await p.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return reg.active?.state;
    });
    await p.waitForTimeout(300); // let the worker finish precaching
    firstBytes.push(bytesSent() - startBytes);
    await context.setOffline(true);
    const again = await context.newPage();
    await again.goto(certLink());
    await again.locator('#verdict-title').waitFor();
    if ((await again.locator('#verdict-title').getAttribute('data-verdict')) !== 'AUTHENTIC')
      throw new Error('offline verdict was not AUTHENTIC');
    offlineRepeat.push(
      await again.evaluate(() => performance.getEntriesByName('hallmark:verdict')[0]!.startTime),
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
                performance
                  .getEntriesByType('mark')
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

const files = [...page.entries()];
const { gzipSync } = await import('node:zlib');
const critical = files.filter(
  ([p]) => p === 'index.html' || /^assets\/(app|styles|chunk)-/.test(p),
);
const criticalGz = critical.reduce((n, [, f]) => n + gzipSync(f.body, { level: 9 }).length, 0);
const jsqr = files.find(([p]) => p.startsWith('assets/jsQR-'));
process.stdout.write(
  `Hallmark page benchmark — headless Chromium (Debian), ${RUNS} runs, loopback, phone viewport\n\n`,
);
row(
  'first visit: bytes transferred (gzip, all)',
  `${fmt(median(firstBytes) / 1024, 1)} KB`,
  'goal ≤ 40 KB; headers and service worker precache included',
);
row(
  '  page, script, styles (gzip bodies)',
  `${fmt(criticalGz / 1024, 1)} KB`,
  critical.map(([p]) => p.replace(/-[A-Z0-9]{8}\./, '.')).join(', '),
);
row(
  '  QR decoder chunk, loaded only when scanning',
  `${fmt(jsqr ? gzipSync(jsqr[1].body, { level: 9 }).length / 1024 : 0, 1)} KB`,
  'not part of a first visit',
);
row(
  'navigation start → verdict, first visit',
  `${fmt(median(firstVisit), 1)} ms`,
  `goal ≤ 150 ms (min ${fmt(Math.min(...firstVisit), 1)}, max ${fmt(Math.max(...firstVisit), 1)})`,
);
row(
  'navigation start → verdict, offline repeat',
  `${fmt(median(offlineRepeat), 1)} ms`,
  `goal ≤ 50 ms (min ${fmt(Math.min(...offlineRepeat), 1)}, max ${fmt(Math.max(...offlineRepeat), 1)})`,
);
row(
  'reference: blank page + one module script',
  `${fmt(median(floor), 1)} ms`,
  'the floor of this browser and machine (same run)',
);
row(
  'reference: one check in a warm page',
  `${fmt(nobleMs, 2)} ms`,
  'verify (strict Ed25519) + render',
);
