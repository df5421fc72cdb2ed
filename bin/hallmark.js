#!/usr/bin/env node
// The `hallmark` command: the production build in dist/ (plain JavaScript, built by
// `npm run build`, which `npm ci` and `npm test` run). No TypeScript is compiled at run time.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('hallmark: not built yet: run `npm run build` (npm ci does it)\n');
  process.exit(2);
}
await import(cli.href);
