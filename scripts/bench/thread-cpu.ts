/**
 * Where a process's CPU goes, by thread, from Linux's /proc: each thread's name (the workers
 * name theirs: server/thread-name.mjs) and its user + system time, sampled while the process
 * runs. A thread that ends keeps its last sample (what it used after it is missed: at most one
 * interval). Elsewhere than on Linux there is nothing to read, and the sampler says so.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds by thread name, with how many threads bore each name. */
export type ThreadCpu = Map<string, { seconds: number; threads: number }>;

/** How often the threads are read: what a thread uses after its last reading is missed. */
export const SAMPLE_MS = 50;

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux Node supports). */
const TICKS = 100;

function sample(pid: number, into: Map<number, { name: string; ticks: number }>): void {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return; // the process has ended
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // The name in parentheses may hold spaces: fields count from its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      into.set(Number(tid), { name, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the thread ended between the listing and the read
    }
  }
}

/**
 * Samples `pid`'s threads every SAMPLE_MS until `stop()`, which returns the CPU by thread
 * name; undefined when /proc cannot be read (not Linux).
 */
export function sampleThreads(pid: number): { stop: () => ThreadCpu | undefined } {
  const seen = new Map<number, { name: string; ticks: number }>();
  const readable = process.platform === 'linux';
  const timer = readable ? setInterval(() => sample(pid, seen), SAMPLE_MS) : undefined;
  return {
    stop: () => {
      clearInterval(timer);
      if (!readable || seen.size === 0) return undefined;
      const byName: ThreadCpu = new Map();
      for (const { name, ticks } of seen.values()) {
        const entry = byName.get(name) ?? { seconds: 0, threads: 0 };
        entry.seconds += ticks / TICKS;
        entry.threads++;
        byName.set(name, entry);
      }
      return byName;
    },
  };
}

/** The child process of `parentPid` (e.g. the program GNU time runs), once it exists. */
export async function childOf(parentPid: number, timeoutMs = 5000): Promise<number | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const children = readFileSync(`/proc/${parentPid}/task/${parentPid}/children`, 'utf8')
        .trim()
        .split(' ')
        .filter(Boolean);
      if (children.length > 0) return Number(children[0]);
    } catch {
      return undefined; // no /proc, or the parent has ended
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return undefined;
}
