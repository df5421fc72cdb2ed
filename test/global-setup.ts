/**
 * Builds dist/ once before the tests: the tests that run `hallmark` as a child process run the
 * production build (plain JavaScript), as users do, and never a stale one. Starts a throwaway
 * PostgreSQL cluster for the tests that run on PostgreSQL (all of them with
 * HALLMARK_TEST_DB=postgres; the multi-node ones always), and stops it at the end.
 */
import { execFileSync } from 'node:child_process';
import { REPO } from './helpers/cli.ts';
import { startPgCluster } from './helpers/pg-cluster.ts';

export default async function setup(): Promise<() => Promise<void>> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
  const cluster = await startPgCluster();
  process.env.HALLMARK_TEST_PG_URL = cluster.url;
  process.env.HALLMARK_TEST_PG_BIN = cluster.bin;
  return () => cluster.stop();
}
