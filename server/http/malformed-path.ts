/**
 * A path whose percent-encoding does not decode (`/status/%ZZ.jwt`) is the client's mistake,
 * or a probe: a 400, counted against the public rate limit like any anonymous request, and
 * one warn-level log line without a stack. Without this guard the router throws while
 * decoding parameters: a 500 and an error-level stack trace for every such request.
 */
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ApiError } from './errors.ts';

export function malformedPathGuard(limit: RequestHandler, logger: Logger): RequestHandler {
  return (req, res, next) => {
    try {
      decodeURIComponent(req.path);
      return next();
    } catch {
      // Not decodable: handled below.
    }
    limit(req, res, (limited?: unknown) => {
      if (limited) return next(limited);
      logger.warn(
        { reqId: res.locals.requestId, path: req.path.slice(0, 200) },
        'malformed percent-encoding in the request path',
      );
      next(new ApiError(400, 'MALFORMED_PATH', 'the request path has an invalid percent-encoding'));
    });
  };
}
