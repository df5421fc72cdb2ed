/**
 * Builds the verification page with esbuild: content-hashed JS and CSS, the root keys and
 * the current trust list baked in, a service worker that precaches them, and index.html with a strict CSP.
 * Two bundles: the first check (boot.ts, one file, the only script index.html names) and the
 * rest of the page (main.ts with its chunks), which the first check loads after the verdict.
 * `buildPage` returns the files in memory (the service serves them); `npm run build:web`
 * writes them to a folder for any static host.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { keySetFromJwks } from '../shared/keys.ts';
import { keepTrustList, verifyTrustList, type KeptTrustList } from '../shared/trust-list.ts';

// This file's folder, or web/ beside dist/ when it runs from the production bundle.
const here = ((dir) => (existsSync(join(dir, 'src/main.ts')) ? dir : join(dir, '..', 'web')))(
  dirname(fileURLToPath(import.meta.url)),
);

/** The page's Content-Security-Policy: its own files only, no inline code, no eval, no third party. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Header-only CSP directives (ignored in a meta element). */
export const PAGE_CSP_HEADER = `${PAGE_CSP}; frame-ancestors 'none'`;

const sha256Source = (text: string) =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The page's policy with its one inline script and its one inline style allowed by their
 * SHA-256 (CSP Level 2 hashes): still no other inline code, no eval, no third party.
 */
export function pageCsp(inline: { script: string; style: string }): string {
  return PAGE_CSP.replace(
    "script-src 'self'",
    `script-src 'self' ${sha256Source(inline.script)}`,
  ).replace("style-src 'self'", `style-src 'self' ${sha256Source(inline.style)}`);
}

export interface PageFile {
  body: Buffer;
  type: string;
  /** immutable: content-hashed, cache for a year; revalidate: always check. */
  caching: 'immutable' | 'revalidate';
  /** The Content-Security-Policy header to serve it with (index.html: its own hashes). */
  csp?: string;
  /** Served with `Cross-Origin-Opener-Policy: same-origin` (see ISOLATED_PAGE). */
  isolated?: true;
}

/**
 * The page again, served with `Cross-Origin-Opener-Policy: same-origin`: where the page goes
 * when another page opened it and holds a handle on its window (web/src/isolate.ts). Ordinary
 * visits (a QR code scanned, a link followed) are served without that header: a page no
 * other page opened has no opener to cut off, and the header makes Chromium open the page in
 * a new browsing context group, a new process that costs a phone about 100 ms.
 */
export const ISOLATED_PAGE = 'isolated.html';

export type PageBuild = Map<string, PageFile>;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const typeOf = (path: string) =>
  TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';

export interface BuildOptions {
  /**
   * The operator's root public keys (a JWKS): the only keys the page trusts on its own. Brand
   * keys reach it only through a trust list that verifies under one of them.
   */
  roots: unknown;
  /** The signed trust list baked in, for the first visit and offline use, until a newer one is fetched. */
  trustList?: string | undefined;
  /** Build time (epoch ms) shown as the keys' date. */
  builtAt?: number;
  minify?: boolean;
}

/**
 * The trust list to bake in, verified here under the roots by the shared verifier, and kept
 * in its verified form: the page uses it without verifying it again. That costs no security:
 * the roots it would be verified against are in the same file, so whoever could change the
 * list there could change the roots too. Lists the page fetches or keeps are verified by it.
 * A list that does not verify is not baked in: the page then trusts no key until it fetches one.
 */
function bakedTrustList(roots: unknown, jws: string | undefined): KeptTrustList | undefined {
  if (!jws) return undefined;
  try {
    return keepTrustList(verifyTrustList(jws, keySetFromJwks(roots)));
  } catch {
    return undefined;
  }
}

/**
 * In the first check's bundle only, the strict Ed25519 verifier (shared/ed25519.ts) and the
 * gunzip for browsers without DecompressionStream (src/gunzip-fallback.ts, fflate) are replaced
 * by src/first-check-fallbacks.ts, which leaves what only they could answer to the full check
 * (see that file and boot.ts).
 */
const firstCheckFallbacks: esbuild.Plugin = {
  name: 'first-check-fallbacks',
  setup(build) {
    const replaced = new Set([
      join(here, '..', 'shared', 'ed25519.ts'),
      join(here, 'src', 'gunzip-fallback.ts'),
    ]);
    build.onResolve({ filter: /\/(ed25519|gunzip-fallback)\.ts$/ }, (args) =>
      replaced.has(join(args.resolveDir, args.path))
        ? { path: join(here, 'src', 'first-check-fallbacks.ts') }
        : undefined,
    );
  },
};

/** Builds the page in memory. */
export async function buildPage(options: BuildOptions): Promise<PageBuild> {
  const builtAt = options.builtAt ?? Date.now();
  const minify = options.minify ?? true;
  const files: PageBuild = new Map();
  // The baked list is written once, into the first check's file, which hands it to the rest
  // of the page (always loaded by it) in a global: a big list is not downloaded twice.
  const define = {
    __TRUST_ROOTS__: JSON.stringify(options.roots),
    __TRUST_LIST__: 'globalThis.hallmarkBakedTrustList',
    __BUILD_TIME__: String(builtAt),
    __ISOLATED_PAGE__: JSON.stringify(ISOLATED_PAGE),
  };
  const baked = JSON.stringify(bakedTrustList(options.roots, options.trustList) ?? null);
  const target = ['es2022', 'chrome100', 'safari15', 'firefox100'];
  const app = await esbuild.build({
    entryPoints: { app: join(here, 'src/main.ts'), styles: join(here, 'src/styles.css') },
    bundle: true,
    splitting: true,
    format: 'esm',
    target,
    outdir: join(here, 'out'),
    entryNames: 'assets/[name]-[hash]',
    chunkNames: 'assets/[name]-[hash]',
    write: false,
    minify,
    legalComments: 'none',
    define,
    logLevel: 'silent',
  });
  let js = '';
  let css = '';
  for (const file of app.outputFiles) {
    const path = file.path.slice(join(here, 'out').length + 1);
    if (/^assets\/styles-[^/]+\.css$/.test(path)) {
      css = file.text; // written into index.html
      continue;
    }
    files.set(path, { body: Buffer.from(file.contents), type: typeOf(path), caching: 'immutable' });
    if (/^assets\/app-[^/]+\.js$/.test(path)) js = path;
  }
  // The first check (boot.ts): one small script with all it needs, written in index.html's
  // head after the styles, so that a first visit draws the verdict from the page alone. A
  // classic script: it runs as soon as the parser reaches it, before the body. It loads the
  // rest of the page (the app bundle above) once the verdict is drawn.
  const boot = await esbuild.build({
    entryPoints: [join(here, 'src/boot.ts')],
    bundle: true,
    format: 'iife',
    target,
    write: false,
    minify,
    legalComments: 'none',
    define: { ...define, __TRUST_LIST__: baked, __APP__: JSON.stringify(`./${js}`) },
    plugins: [firstCheckFallbacks],
    logLevel: 'silent',
  });
  const script = boot.outputFiles[0]!.text.trimEnd();
  const inline = { script, style: css.trimEnd() };
  // esbuild escapes "</script" in what it writes; a style or script that could still end its
  // element early is refused rather than written.
  if (/<\/script/i.test(inline.script) || /<\/style/i.test(inline.style))
    throw new Error('an inline script or style would end its element early');
  const csp = pageCsp(inline);
  const html = readFileSync(join(here, 'index.html'), 'utf8')
    .replace('%CSP%', () => csp)
    .replace(/<style>\s*%CSS%\s*<\/style>/, () => `<style>${inline.style}</style>`)
    .replace(/<script>\s*%JS%\s*<\/script>/, () => `<script>${script}</script>`);
  if (
    !html.includes(`<style>${inline.style}</style>`) ||
    !html.includes(`<script>${script}</script>`)
  )
    throw new Error('index.html has no place for the inline style and script');
  const index: PageFile = {
    body: Buffer.from(html),
    type: typeOf('index.html'),
    caching: 'revalidate',
    csp: `${csp}; frame-ancestors 'none'`,
  };
  files.set('index.html', index);
  files.set(ISOLATED_PAGE, { ...index, isolated: true });
  const manifest = {
    name: 'Hallmark certificate check',
    short_name: 'Hallmark',
    start_url: './',
    display: 'standalone',
    background_color: '#ffffff',
    theme_color: '#14213d',
  };
  files.set('manifest.webmanifest', {
    body: Buffer.from(JSON.stringify(manifest)),
    type: typeOf('x.webmanifest'),
    caching: 'revalidate',
  });

  // The worker precaches the page and what it loads at start; the QR decoder chunk (jsQR) is
  // cached when first used, so a first visit does not pay for a scanner it may never open.
  const precache = [
    './',
    './manifest.webmanifest',
    `./${js}`,
    ...[...files.keys()].filter((p) => p.startsWith('assets/chunk-')).map((p) => `./${p}`),
    // The tray check works offline from its first use; it is small, so it is kept at once. So
    // is fflate's gunzip, for a browser without DecompressionStream to read status lists offline.
    ...[...files.keys()]
      .filter((p) => /^assets\/(tray|owner|gunzip-fallback)-/.test(p))
      .map((p) => `./${p}`),
  ];
  const version = createHash('sha256');
  for (const [path, file] of [...files].sort(([a], [b]) => a.localeCompare(b)))
    version.update(path).update(file.body);
  const sw = await esbuild.build({
    entryPoints: [join(here, 'src/sw.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    minify,
    define: {
      __PRECACHE__: JSON.stringify(precache),
      __ISOLATED_PAGE__: JSON.stringify(ISOLATED_PAGE),
      __CACHE_VERSION__: JSON.stringify(version.digest('hex').slice(0, 16)),
    },
    logLevel: 'silent',
  });
  files.set('sw.js', {
    body: Buffer.from(sw.outputFiles[0]!.contents),
    type: typeOf('sw.js'),
    caching: 'revalidate',
  });
  return files;
}

/** Writes a build to a folder. */
export function writePage(files: PageBuild, outDir: string): void {
  for (const [path, file] of files) {
    mkdirSync(dirname(join(outDir, path)), { recursive: true });
    writeFileSync(join(outDir, path), file.body);
  }
}
