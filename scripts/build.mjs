#!/usr/bin/env node
// The production build: the `hallmark` command line, the service and their worker threads,
// bundled ahead of time into plain JavaScript in dist/ (esbuild), so that nothing compiles
// TypeScript at run time. Dependencies stay in node_modules (native modules among them). The
// verification page is still built by the service at start, from web/, with the registry's
// trust list baked in. Runs after `npm ci` (prepare) and before the tests (vitest globalSetup).
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const started = performance.now();
rmSync(out, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: root,
  entryPoints: {
    cli: 'scripts/cli/main.ts',
    // Worker threads, next to the chunks that start them (new URL('./x.mjs', import.meta.url)).
    'sign-worker': 'server/import/sign-worker.mjs',
    'read-worker': 'server/import/read-worker.mjs',
    'import-worker': 'scripts/cli/import-worker.ts',
    'checkpoint-worker': 'server/db/checkpoint-worker.mjs',
    'pg-worker': 'server/db/pg-worker.mjs',
  },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true, // commands load what they need, on use
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
process.stderr.write(`built dist/ in ${Math.round(performance.now() - started)} ms\n`);
