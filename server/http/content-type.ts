/** JSON request bodies: declared as JSON, bounded in size, and bounded in nesting depth. */
import { json, type RequestHandler } from 'express';
import { ApiError } from './errors.ts';

/** Refuses a body that is not declared as JSON (415), so nothing is silently ignored. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    return next(
      new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'send the body as Content-Type: application/json',
      ),
    );
  }
  next();
};

/** Deepest nesting any of our bodies needs is 4 (a batch item's fields); 32 leaves room. */
export const MAX_JSON_DEPTH = 32;

/** The nesting depth of a parsed JSON value, counted without recursion (a hostile body cannot overflow the stack). */
export function jsonDepth(value: unknown, stopAt = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > stopAt) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Refuses a body nested deeper than MAX_JSON_DEPTH (400), before any code walks it. */
const depthGuard: RequestHandler = (req, _res, next) => {
  if (jsonDepth(req.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    return next(
      new ApiError(
        400,
        'MALFORMED_JSON',
        `the request body is nested more than ${MAX_JSON_DEPTH} levels deep`,
      ),
    );
  next();
};

/**
 * The middleware for a JSON body of at most `limit`: declared as JSON (415), parsed (400 on
 * bad JSON, 413 when too large), nested at most MAX_JSON_DEPTH levels (400). With `optional`,
 * a request without a body is let through.
 */
export function jsonBody(limit: string, options: { optional?: boolean } = {}): RequestHandler[] {
  const declared: RequestHandler = options.optional
    ? (req, res, next) => (req.headers['content-type'] ? requireJson(req, res, next) : next())
    : requireJson;
  return [declared, json({ limit }), depthGuard];
}
