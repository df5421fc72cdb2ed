/** Bearer-token authentication with scopes, on every write and every private read. */
import type { RequestHandler } from 'express';
import { hasScope, type Scope, type TokenStore } from '../registry/tokens.ts';
import { ApiError } from './errors.ts';

/** Who made the request, for the audit trail. */
export interface Actor {
  tokenId: string;
  label: string;
  scopes: Scope[];
}

const BEARER = /^Bearer ([^\s]+)$/;

/** Requires a valid, unrevoked token holding `scope` (admin holds every scope). */
export function requireScope(tokens: TokenStore, scope: Scope): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization');
    res.set('WWW-Authenticate', 'Bearer realm="hallmark"');
    if (!header) return next(new ApiError(401, 'UNAUTHENTICATED', 'a bearer token is required'));
    const m = BEARER.exec(header);
    if (!m)
      return next(
        new ApiError(401, 'UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"'),
      );
    const result = tokens.authenticate(m[1]!);
    if (!result.ok) {
      const message =
        result.reason === 'revoked' ? 'the token has been revoked' : 'the token is not valid';
      return next(new ApiError(401, 'UNAUTHENTICATED', message));
    }
    res.removeHeader('WWW-Authenticate');
    if (!hasScope(result.info.scopes, scope)) {
      return next(new ApiError(403, 'FORBIDDEN', `the token lacks the "${scope}" scope`));
    }
    const actor: Actor = {
      tokenId: result.info.id,
      label: result.info.label,
      scopes: result.info.scopes,
    };
    res.locals.actor = actor;
    next();
  };
}

/** The authenticated actor set by requireScope, as the audit trail names it. */
export function actorName(locals: Record<string, unknown>): string {
  const actor = locals.actor as Actor | undefined;
  return actor ? `token:${actor.label}` : 'anonymous';
}
