/**
 * The import thread starts the file's reader and the signing threads before it loads the
 * registry's modules (zod, SQLite, the keys: about 0.3 s), so that their threads boot and the
 * first rows are parsed meanwhile. That holds only while the thread's entry module, as built,
 * loads nothing heavy before it starts them: this test reads the production build's static
 * imports from the entry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.ts';

/** The modules `entry` loads before its first line runs: its static imports, transitively. */
function staticGraph(entry: string): { files: string[]; packages: string[]; bytes: number } {
  const dist = join(REPO, 'dist');
  const files = new Set<string>();
  const packages = new Set<string>();
  let bytes = 0;
  const walk = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(join(dist, file), 'utf8');
    bytes += text.length;
    // esbuild's output: `import {...} from "x";` or `import "x";` at the start of a line; the
    // dynamic `import("x")` loads later and is not matched.
    for (const [, from] of text.matchAll(/^import\s+(?:[^"]*?\bfrom\s+)?"([^"]+)";/gm)) {
      if (from!.startsWith('./')) walk(from!.slice(2));
      else packages.add(from!);
    }
  };
  walk(entry);
  return { files: [...files], packages: [...packages], bytes };
}

describe("the import thread's start", () => {
  it('loads only Node built-ins and a few kilobytes before it starts the reader and the signers', () => {
    const graph = staticGraph('import-worker.mjs');
    expect(graph.packages.filter((p) => !p.startsWith('node:'))).toEqual([]);
    expect(graph.bytes).toBeLessThan(40_000);
    // The registry's modules come after, by a dynamic import.
    const entry = readFileSync(join(REPO, 'dist', 'import-worker.mjs'), 'utf8');
    expect(entry.indexOf('startRowReader(')).toBeLessThan(entry.indexOf('import("./'));
    expect(entry.indexOf('new SignerPool(')).toBeLessThan(entry.indexOf('import("./'));
  });

  it('the graph reader sees what a full module loads (it would catch a heavy import)', () => {
    const cli = staticGraph('cli.mjs');
    expect(cli.packages).toContain('commander');
  });
});
