/**
 * bench:web's main-thread profile (scripts/bench/page-profile.ts): the phases of a made-up
 * trace, to the microsecond, then a trace Chromium records of a page that forces a layout.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  mainThreadPhases,
  PHASES,
  TRACE_CATEGORIES,
  type Phase,
  type TraceEvent,
} from '../../scripts/bench/page-profile.ts';
import { launchChromium } from '../helpers/browser.ts';

const MAIN = { pid: 1, tid: 1 };
const task = (name: string, ts: number, dur: number, at = MAIN): TraceEvent => ({
  name,
  ph: 'X',
  ts,
  dur,
  ...at,
});
/** The page's mark at `ms` after its navigation start, which was at 1,000,000 µs. */
const mark = (name: string, ms: number): TraceEvent => ({
  name,
  ph: 'R',
  ts: 1_000_000 + ms * 1000,
  cat: 'blink.user_timing',
  args: { data: { startTime: ms } },
  ...MAIN,
});
const total = (phases: Map<Phase, number>) => [...phases.values()].reduce((a, b) => a + b, 0);

describe('the main-thread profile of a visit', () => {
  it('gives each event its own time, nested calls theirs, and clips to the window', () => {
    const at = (ms: number) => 1_000_000 + ms * 1000;
    const phases = mainThreadPhases(
      [
        // Before navigation start: only its last 2 ms count (as other: a task of no phase).
        task('RunTask', at(-3), 5_000),
        // A parse task running a script that forces a style and layout, then a frame.
        task('RunTask', at(10), 40_000),
        task('ParseHTML', at(10), 40_000),
        task('EvaluateScript', at(15), 30_000),
        task('v8.compile', at(15), 4_000),
        task('v8.run', at(19), 26_000),
        task('Document::UpdateStyleAndLayout', at(30), 12_000),
        task('UpdateLayoutTree', at(30), 3_000),
        task('LocalFrameView::layout', at(33), 9_000),
        task('WebFrameWidgetImpl::UpdateLifecycle', at(60), 4_000),
        task('Paint', at(61), 2_000),
        // Another thread, and a task past the mark: neither counts.
        task('v8.run', at(20), 50_000, { pid: 1, tid: 2 }),
        task('RunTask', at(99), 10_000),
        mark('done', 100),
        mark('done', 150), // marked again: the first one ends the window
      ],
      'done',
    );
    expect(Object.fromEntries(phases)).toEqual({
      other: 3, // the last 2 ms of the task before navigation, and the 1 ms before the mark
      parse: 10, // ParseHTML's own time: 40 less its script's 30
      compile: 4,
      script: 14, // the script's 30, less its compiling (4), its forced style (3) and layout (9)
      style: 3,
      layout: 9,
      frames: 4,
      idle: 53, // 100 less the 47 ms of tasks inside the window
    });
    expect(total(phases)).toBe(100);
  });

  it('refuses a trace without the mark', () => {
    expect(() => mainThreadPhases([task('RunTask', 0, 10)], 'done')).toThrow(/no mark done/);
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        res.setHeader('content-type', 'text/html');
        res.end(`<!doctype html><body><p id="p">text</p><script>
          for (let i = 0; i < 200; i++) {
            document.getElementById('p').append(' more text ' + i);
            void document.body.offsetHeight;
          }
          requestAnimationFrame(() => performance.mark('done'));
        </script></body>`);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise((r) => server?.close(r));
    });

    it('accounts for the whole window, with the forced layouts as layout', async () => {
      const page = await browser.newPage();
      await browser.startTracing(page, { categories: TRACE_CATEGORIES });
      await page.goto(base);
      await page.waitForFunction(() => performance.getEntriesByName('done').length);
      const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as {
        traceEvents: TraceEvent[];
      };
      const done = await page.evaluate(() => performance.getEntriesByName('done')[0]!.startTime);
      const phases = mainThreadPhases(trace.traceEvents, 'done');
      expect([...phases.keys()].sort()).toEqual(Object.keys(PHASES).sort());
      for (const ms of phases.values()) expect(ms).toBeGreaterThanOrEqual(0);
      expect(total(phases)).toBeCloseTo(done, 0);
      expect(phases.get('layout')!).toBeGreaterThan(0);
      expect(phases.get('script')!).toBeGreaterThan(0);
      expect(phases.get('parse')!).toBeGreaterThan(0);
    });
  });
});
