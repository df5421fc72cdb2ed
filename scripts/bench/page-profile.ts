/**
 * Where a visit's main thread goes between navigation start and the verdict, from a Chromium
 * performance trace (the events DevTools records): parsing the HTML and its styles, compiling
 * script, running it, style, layout, frames (paint and commit), other tasks, and the time the
 * thread was not busy (the renderer starting, the network). Each event's own time goes to its
 * phase, the time of what it calls to theirs: a layout that a script forces counts as layout.
 * The window is read from the page's own marks, in the trace with the rest.
 */

/** The trace categories the phases are read from. */
export const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'blink',
  'blink.user_timing',
  'loading',
  'v8',
  'toplevel',
];

/** One event of a Chromium trace, as far as the phases need it. */
export interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  cat?: string;
  args?: { data?: { startTime?: number } };
}

export const PHASES = {
  parse: 'HTML and CSS parsing',
  compile: 'script compiling',
  script: 'script running (DOM calls, GC included)',
  style: 'style',
  layout: 'layout (text shaping, fonts)',
  frames: 'frames (paint, commit)',
  other: 'other tasks (committing the navigation, loading)',
  idle: 'not busy (renderer start, network)',
} as const;
export type Phase = keyof typeof PHASES;

/** Event names by phase; an event named in none takes its caller's (a task's: other). */
const NAMED: [RegExp, Phase][] = [
  [/^(v8\.compile|V8\.Compile|v8\.parseOnBackground|v8\.produceCache)/, 'compile'],
  [
    /^(v8\.run|v8\.callFunction|v8\.newInstance|FunctionCall|EvaluateScript|V8\.Execute|RunMicrotasks|BlinkScheduler_PerformMicrotaskCheckpoint|TimerFire|FireAnimationFrame|MinorGC|MajorGC|V8\.GC|BlinkGC)/,
    'script',
  ],
  [
    /^(ParseHTML|HTMLDocumentParser::|TextResourceDecoder::|CSSParserImpl::|StyleElement::processStyleSheet)/,
    'parse',
  ],
  [
    /^(UpdateLayoutTree|Document::updateStyle|Document::recalcStyle|Document::rebuildLayoutTree|Blink\.Style\.)/,
    'style',
  ],
  [/^(Layout|LocalFrameView::layout|LocalFrameView::performLayout|Blink\.Layout\.)/, 'layout'],
  [
    /^(Paint|PrePaint|Commit|Layerize|WebFrameWidgetImpl::(UpdateLifecycle|BeginMainFrame)|LocalFrameView::RunPaintLifecyclePhase|Blink\.Paint\.)/,
    'frames',
  ],
];

function phaseOf(name: string): Phase | undefined {
  return NAMED.find(([pattern]) => pattern.test(name))?.[1];
}

/**
 * Milliseconds of each phase on the main thread of the page that marked `mark`, from its
 * navigation start to that mark (the first one, when it was marked more than once).
 * @throws Error when the trace holds no such mark (the page did not get there)
 */
export function mainThreadPhases(events: readonly TraceEvent[], mark: string): Map<Phase, number> {
  const at = events.find(
    (e) =>
      e.name === mark && e.cat === 'blink.user_timing' && e.args?.data?.startTime !== undefined,
  );
  if (!at) throw new Error(`the trace holds no mark ${mark}`);
  const from = at.ts - at.args!.data!.startTime! * 1000;
  const to = at.ts;
  const complete = events
    .filter((e) => e.ph === 'X' && e.pid === at.pid && e.tid === at.tid && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const phases = new Map<Phase, number>(Object.keys(PHASES).map((p) => [p as Phase, 0]));
  const add = (phase: Phase, us: number) => phases.set(phase, phases.get(phase)! + us / 1000);
  // Events on one thread nest: the stack holds the open ones, each with its phase.
  const open: { end: number; phase: Phase }[] = [];
  let busy = 0;
  for (const e of complete) {
    const end = e.ts + e.dur!;
    while (open.length > 0 && open.at(-1)!.end <= e.ts) open.pop();
    const caller = open.at(-1);
    const phase = phaseOf(e.name) ?? caller?.phase ?? 'other';
    open.push({ end, phase });
    const inside = Math.max(0, Math.min(end, to) - Math.max(e.ts, from));
    if (inside === 0) continue;
    add(phase, inside);
    if (caller) add(caller.phase, -inside);
    else busy += inside;
  }
  add('idle', to - from - busy);
  return phases;
}
