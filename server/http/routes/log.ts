/**
 * The public issuance log, served in the C2SP tlog-tiles layout under `/log`: `checkpoint`
 * (the newest signed tree head, with its witnesses' cosignatures), `tile/<L>/<N>[.p/<W>]`
 * and `tile/entries/<N>[.p/<W>]` (immutable: a tile of a given width never changes). And, for
 * a brand's monitor, its own certificates by log index (`/api/v1/log/certificates`).
 */
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { parseTilePath } from '../../../shared/tlog/tiles.ts';
import { readLogSettings } from '../../log/log-service.ts';
import type { Registry } from '../../registry/registry.ts';
import { actsFor } from '../../registry/tokens.ts';
import { requireScope, type Actor } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { parseRequest } from '../validate.ts';

/** Where the log is served, relative to the service root. */
export const LOG_PREFIX = '/log';
/** Most log indexes one monitor request covers. */
export const MAX_MONITOR_SPAN = 1000;

const IMMUTABLE = 'public, max-age=31536000, immutable';

export function logRoutes(registry: Registry, publicLimit: RequestHandler): Router {
  const router = Router();
  router.get(`${LOG_PREFIX}/checkpoint`, publicLimit, (_req, res) => {
    const note = registry.log.latestCheckpoint();
    if (note === undefined) throw new ApiError(404, 'NOT_FOUND', 'the log has no checkpoint yet');
    // A new checkpoint comes every second while the log grows: caches may hold it briefly.
    res.set('Cache-Control', 'public, max-age=1, must-revalidate');
    res.set('Access-Control-Allow-Origin', '*');
    res.type('text/plain; charset=utf-8').send(note);
  });
  router.get(`${LOG_PREFIX}/vkey`, publicLimit, (_req, res) => {
    // For convenience only: verifiers pin the key from the trust list or out of band.
    const settings = readLogSettings(registry);
    if (!settings) throw new ApiError(404, 'NOT_FOUND', 'the log has no key yet');
    res.set('Cache-Control', 'public, max-age=300');
    res.set('Access-Control-Allow-Origin', '*');
    res.type('text/plain; charset=utf-8').send(`${settings.vkey}\n`);
  });
  // Tiles are immutable and as cheap to serve as static files: no rate limit, long caching.
  router.get(`${LOG_PREFIX}/tile/*tile`, (req, res) => {
    const tile = parseTilePath((req.params as { tile: string[] }).tile.join('/'));
    if (!tile) throw new ApiError(404, 'NOT_FOUND', 'not a tile path');
    const bytes =
      tile.level === 'entries'
        ? registry.log.entryBundle(tile.n, tile.width)
        : registry.log.tile(tile.level, tile.n, tile.width);
    if (!bytes) throw new ApiError(404, 'NOT_FOUND', 'the log has no such tile (yet)');
    res.set('Cache-Control', IMMUTABLE);
    res.set('Access-Control-Allow-Origin', '*');
    res.type('application/octet-stream').send(bytes);
  });
  return router;
}

export const monitorQuery = z.strictObject({
  from: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  to: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/**
 * `GET /api/v1/log/certificates?from=&to=`: the certificates at log indexes [from, to) that
 * the token's brands own, for their monitors (scope `read`). The log itself publishes only
 * hashes; a monitor checks each of these against its leaf, so the registry cannot substitute
 * one. Another brand's entries are simply absent.
 */
export function logMonitorRoutes(registry: Registry): Router {
  const router = Router();
  const rows = registry.db.prepare(
    'SELECT e.idx AS log_index, c.issuer, c.serial, c.generation, c.status, c.jws FROM log_entries e JOIN certificates c ON c.id = e.certificate_id WHERE e.idx >= ? AND e.idx < ? ORDER BY e.idx',
  );
  router.get('/certificates', requireScope(registry.tokens, 'read'), (req, res) => {
    const { from, to } = parseRequest(monitorQuery, req.query, 'query');
    if (to < from || to - from > MAX_MONITOR_SPAN)
      throw new ApiError(400, 'VALIDATION_FAILED', 'the request query is invalid', [
        { path: 'to', message: `must be from "from" to from + ${MAX_MONITOR_SPAN}` },
      ]);
    const actor = res.locals.actor as Actor;
    const certificates = (
      rows.all(from, to) as {
        log_index: number;
        issuer: string;
        serial: string;
        generation: number;
        status: string;
        jws: string;
      }[]
    )
      .filter((r) => actsFor(actor.brands, r.issuer))
      .map((r) => ({
        index: r.log_index,
        issuer: r.issuer,
        serial: r.serial,
        generation: r.generation,
        status: r.status,
        jws: r.jws,
      }));
    res.set('Cache-Control', 'no-store');
    res.json({ from, to, size: registry.log.size(), certificates });
  });
  return router;
}
