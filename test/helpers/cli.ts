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
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
