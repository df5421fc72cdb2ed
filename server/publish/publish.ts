/**
 * `hallmark publish --out <dir>`: everything a verifier needs, as static files for any CDN or
 * object store, so that verification traffic never reaches the issuing service. The page,
 * the trust list and JWKS, every status list, and the public log (checkpoint, tiles, entry
 * bundles). Also `_headers` (the Netlify / Cloudflare Pages form) with the headers each file
 * needs; the README lists the same table for other hosts.
 *
 * Safe to run again and again (from cron, or with `--every`), while clients read the folder:
 * - content-addressed files (the page's assets, log tiles: a tile of a given width never
 *   changes) are written once and then left alone;
 * - every other file is replaced atomically (written beside, then renamed): a reader sees the
 *   old file or the new one, never half of one;
 * - the order keeps every state consistent: assets before the page that loads them, tiles
 *   before the checkpoint that covers them, status lists before the trust list.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCheckpointText } from '../../shared/tlog/checkpoint.ts';
import { parseNote } from '../../shared/tlog/note.ts';
import { tilePath, tilesOf } from '../../shared/tlog/tiles.ts';
import { buildPage, ISOLATED_PAGE, PAGE_CSP_HEADER, type PageBuild } from '../../web/build.ts';
import { LOG_PREFIX } from '../http/routes/log.ts';
import { TRUST_LIST_PATH } from '../http/routes/well-known.ts';
import { readLogSettings } from '../log/log-service.ts';
import type { Registry } from '../registry/registry.ts';
import { statusLists } from '../status/status-lists.ts';
import { NoActiveKeyError } from '../registry/key-store.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=300, stale-while-revalidate=86400';
const CORS = { 'Access-Control-Allow-Origin': '*' };
const HARDENED = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * The headers of each published path (patterns in the `_headers` form: `*` spans any
 * characters), with the page build's Content-Security-Policy. The same table is in the README.
 */
export function staticHeaders(
  pageCsp: string = PAGE_CSP_HEADER,
): { path: string; headers: Record<string, string> }[] {
  return [
    {
      path: '/',
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': pageCsp,
        ...HARDENED,
      },
    },
    {
      path: '/index.html',
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': pageCsp,
        ...HARDENED,
      },
    },
    {
      // The page's copy for a page another page opened: it cuts the opener off (web/build.ts).
      path: `/${ISOLATED_PAGE}`,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': pageCsp,
        'Cross-Origin-Opener-Policy': 'same-origin',
        ...HARDENED,
      },
    },
    {
      path: '/sw.js',
      headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' },
    },
    {
      path: '/manifest.webmanifest',
      headers: { 'Content-Type': 'application/manifest+json', 'Cache-Control': 'no-cache' },
    },
    { path: '/assets/*', headers: { 'Cache-Control': IMMUTABLE, ...HARDENED } },
    {
      path: `/${TRUST_LIST_PATH}`,
      headers: { 'Content-Type': 'application/jwt', 'Cache-Control': SHORT, ...CORS },
    },
    {
      path: '/.well-known/jwks.json',
      headers: { 'Content-Type': 'application/json', 'Cache-Control': SHORT, ...CORS },
    },
    {
      path: '/status/*',
      headers: {
        'Content-Type': 'application/statuslist+jwt',
        'Cache-Control': 'public, max-age=300',
        ...CORS,
      },
    },
    {
      path: `${LOG_PREFIX}/checkpoint`,
      headers: {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'public, max-age=1, must-revalidate',
        ...CORS,
      },
    },
    {
      path: `${LOG_PREFIX}/vkey`,
      headers: {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'public, max-age=300',
        ...CORS,
      },
    },
    {
      path: `${LOG_PREFIX}/tile/*`,
      headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': IMMUTABLE, ...CORS },
    },
  ];
}

/** `_headers`, in the form Netlify and Cloudflare Pages read, for a page build's policy. */
export function headersFile(pageCsp: string = PAGE_CSP_HEADER): string {
  return staticHeaders(pageCsp)
    .map(
      ({ path, headers }) =>
        `${path}\n${Object.entries(headers)
          .map(([k, v]) => `  ${k}: ${v}`)
          .join('\n')}\n`,
    )
    .join('\n');
}

export interface PublishResult {
  /** Files written (new or changed). */
  written: number;
  /** Content-addressed files already there, left alone. */
  kept: number;
  statusLists: number;
  /** Status lists not published: their brand has no active key. */
  unsigned: string[];
  /** The log's published size, when the log has a checkpoint. */
  logSize?: number;
  trustListSeq?: number;
}

/** A published folder, written into. */
class Folder {
  written = 0;
  kept = 0;
  constructor(private readonly root: string) {}

  /** Writes `path` atomically (beside, then renamed); counts it only when it changed. */
  replace(path: string, body: string | Uint8Array): void {
    const file = join(this.root, path);
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    if (existsSync(file) && readFileSync(file).equals(bytes)) return;
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, bytes);
    renameSync(temporary, file);
    this.written++;
  }

  /** Writes a content-addressed file once: one that exists already is the same file. */
  once(path: string, body: () => Uint8Array | undefined): void {
    if (existsSync(join(this.root, path))) {
      this.kept++;
      return;
    }
    const bytes = body();
    if (bytes === undefined) throw new Error(`the registry has no ${path}`);
    this.replace(path, bytes);
  }
}

/**
 * Publishes the registry's verification data into `outDir` (created if missing). `page` is a
 * page build (built here from the registry's roots and trust list when not given).
 */
export async function publishStatic(
  registry: Registry,
  outDir: string,
  options: { page?: PageBuild } = {},
): Promise<PublishResult> {
  mkdirSync(outDir, { recursive: true });
  const out = new Folder(outDir);
  const trustList = registry.trust.latest();
  // Built as of the trust list (not of now), so that the same registry gives the same files:
  // a run that changes nothing adds no new asset.
  const page =
    options.page ??
    (await buildPage({
      roots: registry.trust.rootJwks(),
      trustList: trustList?.jws,
      builtAt: (trustList?.payload.iat ?? 0) * 1000,
    }));

  // The page: its content-hashed assets first, then the files that name them.
  for (const [path, file] of page)
    if (file.caching === 'immutable') out.once(path, () => file.body);
  for (const [path, file] of page) if (file.caching !== 'immutable') out.replace(path, file.body);
  out.replace('_headers', headersFile(page.get('index.html')?.csp));

  // The public log: tiles (immutable) before the checkpoint that covers them.
  let logSize: number | undefined;
  const checkpoint = registry.log.latestCheckpoint();
  if (checkpoint !== undefined) {
    logSize = parseCheckpointText(parseNote(checkpoint).text).size;
    for (const t of tilesOf(logSize)) {
      out.once(`${LOG_PREFIX.slice(1)}/${tilePath(t.level, t.n, t.width)}`, () =>
        registry.log.tile(t.level, t.n, t.width),
      );
      if (t.level === 0)
        out.once(`${LOG_PREFIX.slice(1)}/${tilePath('entries', t.n, t.width)}`, () =>
          registry.log.entryBundle(t.n, t.width),
        );
    }
    const settings = readLogSettings(registry);
    if (settings) out.replace(`${LOG_PREFIX.slice(1)}/vkey`, `${settings.vkey}\n`);
    out.replace(`${LOG_PREFIX.slice(1)}/checkpoint`, checkpoint);
  }

  // Status lists, signed now by each list's brand (a list is valid for its ttl: publish again
  // well within it), then the keys and the trust list.
  const lists = statusLists(registry);
  const ids = registry.db
    .prepare('SELECT id FROM status_lists WHERE brand IS NOT NULL ORDER BY id')
    .pluck()
    .all() as number[];
  // A brand with no key to sign with cannot publish its lists: its pages then say "status
  // unknown" (never green) until the operator gives it a key. Said, not fatal to the others.
  const unsigned: string[] = [];
  for (const id of ids) {
    let built;
    try {
      built = lists.build(id);
    } catch (error) {
      if (!(error instanceof NoActiveKeyError)) throw error;
      unsigned.push(`status/${id}.jwt (${error.message})`);
      continue;
    }
    if (built) out.replace(`status/${id}.jwt`, built.jws);
  }
  out.replace('.well-known/jwks.json', JSON.stringify({ keys: registry.keys.publicJwks() }));
  if (trustList) out.replace(TRUST_LIST_PATH, trustList.jws);

  return {
    written: out.written,
    kept: out.kept,
    statusLists: ids.length - unsigned.length,
    unsigned,
    ...(logSize === undefined ? {} : { logSize }),
    ...(trustList ? { trustListSeq: trustList.payload.seq } : {}),
  };
}
