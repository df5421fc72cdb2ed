/** Runs the real `hallmark` command as a child process. */
import { spawn, spawnSync } from 'node:child_process';
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

/**
 * As `hallmark`, without blocking this process: for commands that talk to a server running in
 * the test itself (spawnSync would stop it from answering).
 */
export function hallmarkAsync(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HALLMARK, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      if (status === null)
        reject(
          new Error(`hallmark ${args.join(' ')} did not finish (signal ${signal})\n${stderr}`),
        );
      else resolve({ status, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
