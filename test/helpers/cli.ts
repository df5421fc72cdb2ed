/** Runs the real `hallmark` command as a child process. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HALLMARK = join(REPO, 'bin', 'hallmark.js');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hallmark ...args` in `cwd` with extra environment, optionally feeding stdin. */
export function hallmark(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): RunResult {
  const result = spawnSync(process.execPath, [HALLMARK, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  // A run that never finished (timed out, killed) is a failure of its own, reported with what
  // it printed so far: "expected null to be 0" alone says nothing about where it stopped.
  if (result.status === null)
    throw new Error(
      `hallmark ${args.join(' ')} did not finish (${result.error?.message ?? `signal ${result.signal}`})\n` +
        `stdout so far: ${JSON.stringify(result.stdout.slice(-2000))}\n` +
        `stderr so far: ${JSON.stringify(result.stderr.slice(-2000))}`,
    );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
