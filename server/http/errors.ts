/**
 * HTTP errors: one JSON shape, `{ "error": { "code", "message", "fields"? } }`, with a status
 * per code. Internal errors are logged with the request id and answered without details.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ErrorCode, HallmarkError, type FieldError } from '../../shared/errors.ts';
import { ConflictError } from '../issuing/issuing-service.ts';
import { BrandExistsError } from '../registry/brands.ts';
import { DuplicateKeyError, NoActiveKeyError } from '../registry/key-store.ts';
import { OwnershipError } from '../registry/ownership.ts';
import { TransitionError, UnknownCertificateError } from '../status/status-service.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
  ) {
    super(message);
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

const HALLMARK_STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.VALIDATION_FAILED]: 400,
  [ErrorCode.MALFORMED]: 400,
  [ErrorCode.NOT_A_CERTIFICATE]: 400,
};

/** Maps any thrown value to the JSON error shape. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const e = toApiError(error);
    if (e.status >= 500)
      logger.error({ err: error, reqId: res.locals.requestId }, 'request failed');
    if (res.headersSent) return void res.end();
    res.status(e.status).json({
      error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) },
    });
    void req;
  };
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ConflictError)
    return new ApiError(409, 'CONFLICT', error.message, error.fields);
  if (error instanceof TransitionError) return new ApiError(409, error.code, error.message);
  if (error instanceof BrandExistsError || error instanceof DuplicateKeyError)
    return new ApiError(409, 'CONFLICT', error.message);
  // A brand without a key cannot sign: the operator must act, the caller cannot.
  if (error instanceof NoActiveKeyError) return new ApiError(503, error.code, error.message);
  if (error instanceof UnknownCertificateError) return new ApiError(404, error.code, error.message);
  if (error instanceof OwnershipError) {
    if (error.reason === 'owned') return new ApiError(409, 'OWNED', error.message);
    if (error.reason === 'not_active') return new ApiError(409, 'NOT_ACTIVE', error.message);
    if (error.reason === 'expired') return new ApiError(410, 'CODE_EXPIRED', error.message);
    return new ApiError(403, 'CODE_REJECTED', error.message);
  }
  if (error instanceof HallmarkError) {
    const status = HALLMARK_STATUS[error.code];
    if (status) return new ApiError(status, error.code, error.message, error.fields);
  }
  // body-parser errors carry a `type`.
  const type = (error as { type?: string } | null)?.type;
  if (type === 'entity.too.large')
    return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (type === 'entity.parse.failed')
    return new ApiError(400, 'MALFORMED_JSON', 'the request body is not valid JSON');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'the request body encoding is not supported',
    );
  }
  return new ApiError(500, 'INTERNAL', 'internal error');
}
