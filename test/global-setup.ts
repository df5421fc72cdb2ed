/**
 * Builds dist/ once before the tests: the tests that run `hallmark` as a child process run the
 * production build (plain JavaScript), as users do, and never a stale one.
 */
import { execFileSync } from 'node:child_process';
import { REPO } from './helpers/cli.ts';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
}
