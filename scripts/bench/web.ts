/**
 * `npm run bench:web`: the verification page in headless Chromium against the real app on
 * loopback. Bytes transferred for a first visit (gzip, headers included, service worker
 * precache included), and navigation start → verdict, first visit and offline repeat visit
 * (medians of several runs), next to a blank page measured the same way in the same run.
 *
 * Three clocks, each read the same way on the page and on its reference:
 * - frame (the issue's measure): the first animation frame with the verdict in the page, the
 *   moment a script polling each frame would see it; the reference is a blank page's first
 *   animation frame (one module script, nothing else).
 * - painted: when Chromium presented the verdict heading's pixels (Element Timing); the
 *   reference is a page holding one line of text, presented the same way.
 * - drawn: when the verdict was written into the page (its script's mark); the reference is
 *   the blank page's module script running.
 *
 * Measured twice in the same run: with a trust list of one brand (one key), and with a
 * platform-size list of 50 brands with 3 keys each. BENCH_RUNS sets the number of runs (11);
 * BENCH_ONE=1 measures the one-brand list only; BENCH_DEBUG=1 prints each visit's timeline.
 * BENCH_PROFILE sets how many more first visits are traced (3; 0 for none), after the timed
 * ones: where their main thread's time goes from navigation start to the verdict (page-profile.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import { generateSigningKey } from '../../server/keys/signing-key.ts';
import type { Registry } from '../../server/registry/registry.ts';
import { toQr } from '../../shared/qr.ts';
import { listPosition, STATUS_LIST_SIZE } from '../../shared/status-list.ts';
import { buildPage, type PageBuild } from '../../web/build.ts';
import { launchChromium, PHONE } from '../../test/helpers/browser.ts';
import { addTestBrand, signTestTrustList } from '../../test/helpers/registry.ts';
import { fmt, row } from './measure.ts';
import {
  mainThreadPhases,
  PHASES,
  TRACE_CATEGORIES,
  type Phase,
  type TraceEvent,
} from './page-profile.ts';
import { benchRegistry, benchWatch } from './registry.ts';
import type { WebServerData } from './web-server.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const PROFILED = Number(process.env.BENCH_PROFILE ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One visit's three clocks (milliseconds from navigation start); see the file comment. */
interface Clocks {
  frame: number;
  painted: number;
  drawn: number;
}
const CLOCKS = ['frame', 'painted', 'drawn'] as const;

interface Figures {
  firstVisit: Clocks[];
  offlineRepeat: Clocks[];
  firstBytes: number[];
  /** The blank page (frame, drawn) and the one-line page (painted), online. */
  floor: Clocks[];
  /** The same blank page, opened again offline through a service worker. */
  floorOffline: Clocks[];
  nobleMs: number;
  /** The traced first visits' main thread, by phase (milliseconds), and the blank page's. */
  profiles: Map<Phase, number>[];
  blankProfiles: Map<Phase, number>[];
  page: PageBuild;
  trustListBytes: number;
}

/** A benchmark registry in a file, for the server's thread to open too. */
interface BenchSite {
  registry: Registry;
  now: number;
  path: string;
}

const dir = mkdtempSync(join(tmpdir(), 'hallmark-bench-web-'));
let sites = 0;

/** A registry whose trust list names `brands` brands (HUB first) with `keys` keys each. */
function platform(brands: number, keys: number): BenchSite {
  const path = join(dir, `registry-${sites++}.db`);
  const { registry, now } = benchRegistry(undefined, path);
  if (brands === 1 && keys === 1) return { registry, now, path };
  for (let b = 1; b < brands; b++) {
    const code = `B${String(b).padStart(3, '0')}`;
    addTestBrand(registry, code, { name: `Maison ${code}` });
    for (let k = 1; k < keys; k++) registry.keys.rotate(code, now - 100 + k, generateSigningKey());
  }
  for (let k = 1; k < keys; k++) registry.keys.rotate('HUB', now - 100 + k, generateSigningKey());
  signTestTrustList(registry);
  return { registry, now, path };
}

/**
 * The clocks of the page open in `page`, read once its verdict is there. Nothing runs in the
 * page before that (a script injected by the harness would take the main thread from the page
 * it measures): the page marks its own moments (`hallmark:verdict` when it writes the verdict,
 * `hallmark:verdict-frame` in the next animation frame), and Chromium records when it presents
 * the element marked `elementtiming` (Element Timing, read from its buffer afterwards).
 */
async function clocksOf(page: Page): Promise<Clocks> {
  await page.waitForFunction(() => performance.getEntriesByName('hallmark:verdict-frame').length);
  const clocks = await page.evaluate(async () => {
    const painted = await new Promise<number | undefined>((resolve) => {
      new PerformanceObserver((list) => {
        const entry = list.getEntries()[0] as PerformanceEntry & { renderTime?: number };
        resolve(entry?.renderTime);
      }).observe({ type: 'element', buffered: true });
      setTimeout(() => resolve(undefined), 1000);
    });
    return {
      frame: performance.getEntriesByName('hallmark:verdict-frame')[0]?.startTime,
      drawn: performance.getEntriesByName('hallmark:verdict')[0]?.startTime,
      painted,
    };
  });
  for (const clock of CLOCKS)
    if (clocks[clock] === undefined) throw new Error(`no ${clock} time for ${page.url()}`);
  return clocks as Clocks;
}

/**
 * Opens a certificate link and returns its clocks, after checking which check drew it. The end
 * of the first check is seen from outside, as its request for the rest of the page (which it
 * loads once its verdict is drawn): only then does the harness touch the page.
 */
async function timeToVerdict(page: Page, url: string): Promise<Clocks> {
  const rest = page.waitForRequest((r) => /\/assets\/app-[^/]+\.js$/.test(r.url()));
  await page.goto(url, { waitUntil: 'commit' });
  await rest;
  await page.locator('#verdict-title').waitFor();
  const clocks = await clocksOf(page);
  // The first check (boot.ts) drew it: the full page loaded afterwards and took it over.
  if (!(await page.evaluate(() => globalThis.hallmarkFirstCheck !== undefined)))
    throw new Error('the first check did not draw the verdict');
  return clocks;
}

/**
 * A new tab in `context`, once the browser has finished opening it. Opening a window also
 * loads Chromium's own interface pages (its omnibox popup: some sixty files) in another
 * process, which on two cores would compete with whatever is measured at that moment: the
 * page and its references are each opened in a tab that has settled, as on a phone whose
 * browser is already up.
 */
async function settledTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.waitForTimeout(SETTLE_MS);
  return page;
}
const SETTLE_MS = 400;

/** Opens the blank page at `url` and waits for its first animation frame's mark. */
async function openBlank(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('hallmark:verdict-frame').length);
}

/** The floor's clocks: the blank page (online, then offline) and the one-line page. */
async function floorClocks(
  browser: Browser,
  base: string,
): Promise<{ online: Clocks; offline: Clocks }> {
  const context = await browser.newContext(PHONE);
  const blank = await settledTab(context);
  await openBlank(blank, `${base}/floor/`);
  const blankMarks = async (page: Page) =>
    page.evaluate(() => ({
      drawn: performance.getEntriesByName('hallmark:verdict')[0]!.startTime,
      frame: performance.getEntriesByName('hallmark:verdict-frame')[0]!.startTime,
    }));
  const online = await blankMarks(blank);
  await blank.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller)
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r));
  });
  await context.setOffline(true);
  const again = await settledTab(context);
  await openBlank(again, `${base}/floor/?again`);
  const offline = await blankMarks(again);
  await context.close();
  const textContext = await browser.newContext(PHONE);
  const text = await settledTab(textContext);
  await text.goto(`${base}/floor-text/`);
  const painted = await text.evaluate(
    () =>
      new Promise<number>((resolve) =>
        new PerformanceObserver((list) =>
          resolve((list.getEntries()[0] as PerformanceEntry & { renderTime: number }).renderTime),
        ).observe({ type: 'element', buffered: true }),
      ),
  );
  await textContext.close();
  return { online: { ...online, painted }, offline: { ...offline, painted } };
}

/** Starts bench:web's server (web-server.ts) in its own thread, over `dbPath`'s registry. */
async function startServer(data: WebServerData): Promise<{
  base: string;
  bytesSent: () => Promise<number>;
  close: () => Promise<void>;
}> {
  const worker = new Worker(new URL('./web-server-thread.mjs', import.meta.url), {
    workerData: data,
  });
  let failed: ((error: Error) => void) | undefined;
  worker.on('error', (error) => failed?.(error));
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      failed = reject;
      worker.once('message', resolve);
    });
  const { port } = await next<{ port: number }>();
  return {
    base: `http://127.0.0.1:${port}`,
    bytesSent: async () => {
      const answer = next<{ bytes: number }>();
      worker.postMessage('bytes');
      return (await answer).bytes;
    },
    close: async () => {
      worker.postMessage('close');
      await new Promise((r) => worker.once('exit', r));
    },
  };
}

async function measure({ registry, now, path }: BenchSite): Promise<Figures> {
  const builtAt = Date.now();
  const page = await buildPage({
    roots: registry.trust.rootJwks(),
    trustList: registry.trust.latest()!.jws,
    builtAt,
  });
  // Every certificate a visit opens is issued before the server starts, and each status list
  // is built once before any visit: in production they are static files (hallmark publish), so
  // no visit waits for the service to build one.
  const issuing = new IssuingService(registry);
  const codes = Array.from({ length: 2 * RUNS + PROFILED + 1 }, (_, i) => {
    const { record } = issuing.issue(benchWatch(`WEB${100000 + i}`), 'HUB', 'bench');
    return {
      digits: toQr(record.certificate, 'http://127.0.0.1/').text.split('#')[1]!,
      list: listPosition(record.certificate.claims.sli, STATUS_LIST_SIZE).list,
    };
  });
  const server = await startServer({ dbPath: path, now, builtAt });
  const { base, bytesSent } = server;
  for (const list of new Set(codes.map((c) => c.list))) {
    const response = await fetch(`${base}/status/${list}.jwt`);
    if (!response.ok) throw new Error(`status list ${list}: HTTP ${response.status}`);
  }
  let opened = 0;
  const certLink = () => `${base}/#${codes[opened++]!.digits}`;

  const browser = await launchChromium();
  const firstVisit: Clocks[] = [];
  const offlineRepeat: Clocks[] = [];
  const firstBytes: number[] = [];
  const floor: Clocks[] = [];
  const floorOffline: Clocks[] = [];
  let nobleMs = 0;
  const profiles: Map<Phase, number>[] = [];
  const blankProfiles: Map<Phase, number>[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const reference = await floorClocks(browser, base);
      floor.push(reference.online);
      floorOffline.push(reference.offline);
      const context = await browser.newContext(PHONE);
      const p = await settledTab(context);
      const startBytes = await bytesSent();
      firstVisit.push(await timeToVerdict(p, certLink()));
      await p.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        return reg.active?.state;
      });
      await p.waitForTimeout(300); // let the worker finish precaching
      firstBytes.push((await bytesSent()) - startBytes);
      await context.setOffline(true);
      const again = await settledTab(context);
      offlineRepeat.push(await timeToVerdict(again, certLink()));
      if ((await again.locator('#verdict-title').getAttribute('data-verdict')) !== 'AUTHENTIC')
        throw new Error(
          `offline verdict was not AUTHENTIC: ${await again.locator('#verdict').innerText()}`,
        );
      if (process.env.BENCH_DEBUG) {
        for (const [label, pg] of [
          ['first', p],
          ['repeat', again],
        ] as const)
          process.stderr.write(`${label} ${await timeline(pg)}\n`);
      }
      if (i === 0) {
        // The cost of one full check in a warm page (verify, status, render), in the browser.
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
    // Traced apart from the timed visits (tracing takes time from the page it records): a
    // first visit, and the blank page, each in a new context, up to their verdict's frame.
    const traced = async (open: (page: Page) => Promise<unknown>) => {
      const context = await browser.newContext(PHONE);
      const tab = await settledTab(context);
      await browser.startTracing(tab, { categories: TRACE_CATEGORIES });
      await open(tab);
      const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as {
        traceEvents: TraceEvent[];
      };
      await context.close();
      return mainThreadPhases(trace.traceEvents, 'hallmark:verdict-frame');
    };
    for (let i = 0; i < PROFILED; i++) {
      profiles.push(await traced((tab) => timeToVerdict(tab, certLink())));
      blankProfiles.push(await traced((tab) => openBlank(tab, `${base}/floor/`)));
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return {
    firstVisit,
    offlineRepeat,
    firstBytes,
    floor,
    floorOffline,
    nobleMs,
    profiles,
    blankProfiles,
    page,
    trustListBytes: registry.trust.latest()!.jws.length,
  };
}

/** A visit's navigation timings, marks, paints and resources, for BENCH_DEBUG. */
function timeline(page: Page): Promise<string> {
  return page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const resources = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .map(
        (e) => `${e.name.split('/').pop()}:${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`,
      )
      .join(' ');
    const marks = [
      ...performance.getEntriesByType('mark'),
      ...performance.getEntriesByType('paint'),
    ]
      .map((m) => `${m.name}=${Math.round(m.startTime)}`)
      .join(' ');
    return `response ${Math.round(n.responseStart)}-${Math.round(n.responseEnd)} interactive ${Math.round(n.domInteractive)} dcl ${Math.round(n.domContentLoadedEventEnd)} | ${marks} | ${resources}`;
  });
}

const fiftySite = process.env.BENCH_ONE ? undefined : platform(50, 3);
let one: Figures;
let fifty: Figures | undefined;
try {
  one = await measure(platform(1, 1));
  fifty = fiftySite && (await measure(fiftySite));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

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
  // Each run measures the page and its references back to back: the ratio of each pair, then
  // the median, so that the machine's drift between runs cancels out.
  const ratio = (xs: Clocks[], refs: Clocks[], clock: (typeof CLOCKS)[number]) =>
    median(xs.map((x, i) => x[clock] / refs[i]![clock]));
  const spread = (xs: number[]) => `min ${fmt(Math.min(...xs), 1)}, max ${fmt(Math.max(...xs), 1)}`;
  const LABELS = {
    frame: 'first frame with the verdict',
    painted: 'verdict presented (Element Timing)',
    drawn: 'verdict written (its script)',
  };
  const REFERENCES = {
    frame: 'blank page, first animation frame',
    painted: 'one line of text, presented',
    drawn: 'blank page, module script runs',
  };
  for (const clock of CLOCKS) {
    const first = f.firstVisit.map((c) => c[clock]);
    const repeat = f.offlineRepeat.map((c) => c[clock]);
    const refs = f.floor.map((c) => c[clock]);
    row(`  ${LABELS[clock]}: first visit`, `${fmt(median(first), 1)} ms`, spread(first));
    row(`  ${LABELS[clock]}: offline repeat`, `${fmt(median(repeat), 1)} ms`, spread(repeat));
    row(`  reference: ${REFERENCES[clock]}`, `${fmt(median(refs), 1)} ms`, spread(refs));
    if (clock !== 'painted') {
      const offline = f.floorOffline.map((c) => c[clock]);
      row(
        `  reference: the same, offline (service worker)`,
        `${fmt(median(offline), 1)} ms`,
        spread(offline),
      );
    }
    const goal = clock === 'frame' ? ' (issue 14)' : '';
    const firstRatio = ratio(f.firstVisit, f.floor, clock);
    const repeatRatio = ratio(f.offlineRepeat, f.floor, clock);
    row(
      `    first visit ÷ reference`,
      `${fmt(firstRatio, 2)} ×`,
      `goal ≤ 2 ×${goal}: ${firstRatio <= 2 ? 'met' : 'NOT met'}`,
    );
    row(
      `    offline repeat ÷ reference`,
      `${fmt(repeatRatio, 2)} ×`,
      `goal ≤ 1.3 ×${goal}: ${repeatRatio <= 1.3 ? 'met' : 'NOT met'}${
        clock === 'painted'
          ? ''
          : `; ÷ the offline reference: ${fmt(ratio(f.offlineRepeat, f.floorOffline, clock), 2)} ×`
      }`,
    );
  }
  row('  reference: one check in a warm page', `${fmt(f.nobleMs, 2)} ms`, 'verify + render');
  if (f.profiles.length > 0) {
    row(
      '  first visit, main thread: navigation start → verdict frame',
      '',
      `medians of ${f.profiles.length} traced visits (tracing slows them)`,
    );
    const of = (profiles: Map<Phase, number>[], phase: Phase) =>
      median(profiles.map((p) => p.get(phase)!));
    for (const [phase, label] of Object.entries(PHASES) as [Phase, string][])
      row(
        `    ${label}`,
        `${fmt(of(f.profiles, phase), 1)} ms`,
        `blank page: ${fmt(of(f.blankProfiles, phase), 1)} ms`,
      );
  }
}
if (fifty) {
  const fiftyList = fiftySite!.registry.trust.latest()!.jws;
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
    `${fmt(median(fifty.firstVisit.map((c) => c.frame)) - median(one.firstVisit.map((c) => c.frame)), 1)} ms`,
    'reading the bigger list baked in, verified at build time (noise: ±30 ms)',
  );
  row(
    '  offline repeat verdict time added',
    `${fmt(median(fifty.offlineRepeat.map((c) => c.frame)) - median(one.offlineRepeat.map((c) => c.frame)), 1)} ms`,
    '',
  );
}
row(
  '  QR decoder chunk, loaded only when scanning',
  `${fmt(jsqr ? gzipSync(jsqr[1].body, { level: 9 }).length / 1024 : 0, 1)} KB`,
  'not part of a first visit',
);
