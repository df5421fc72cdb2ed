import type { RequestHandler } from 'express';
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
