/** Bearer-token authentication with scopes, on every write and every private read. */
import type { RequestHandler } from 'express';
import {
  actsFor,
  hasScope,
  type Scope,
  type TokenBrands,
  type TokenStore,
} from '../registry/tokens.ts';
import { ApiError } from './errors.ts';
import { issuerQuery, serialParams } from './params.ts';
import { parseRequest } from './validate.ts';

/** Who made the request, for the audit trail. */
export interface Actor {
  tokenId: string;
  label: string;
  scopes: Scope[];
  brands: TokenBrands;
}

const BEARER = /^Bearer ([^\s]+)$/;

/** Requires a valid, unrevoked token holding `scope` (admin holds every scope). */
export function requireScope(tokens: TokenStore, scope: Scope): RequestHandler {
  return requireAnyScope(tokens, [scope]);
}

/** Requires a valid, unrevoked token holding one of `scopes` (admin holds every scope). */
export function requireAnyScope(tokens: TokenStore, scopes: readonly Scope[]): RequestHandler {
  const names = scopes.map((s) => `"${s}"`).join(' or ');
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
    if (!scopes.some((scope) => hasScope(result.info.scopes, scope))) {
      return next(new ApiError(403, 'FORBIDDEN', `the token lacks the ${names} scope`));
    }
    const actor: Actor = {
      tokenId: result.info.id,
      label: result.info.label,
      scopes: result.info.scopes,
      brands: result.info.brands,
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

/**
 * The brand an authenticated request acts for: the one it names, else the token's only brand,
 * else the deployment's default brand. A token bound to other brands gets 403 and changes
 * nothing; it cannot tell a brand it may not see from a brand that does not exist.
 * @throws ApiError 403 FORBIDDEN
 */
export function actingBrand(
  locals: Record<string, unknown>,
  named: string | undefined,
  fallback: string,
): string {
  const actor = locals.actor as Actor;
  const brand =
    named ?? (actor.brands !== '*' && actor.brands.length === 1 ? actor.brands[0]! : fallback);
  requireBrand(locals, brand);
  return brand;
}

/** 403 unless the authenticated token acts for `brand`. @throws ApiError */
export function requireBrand(locals: Record<string, unknown>, brand: string): void {
  const actor = locals.actor as Actor | undefined;
  if (!actor || !actsFor(actor.brands, brand))
    throw new ApiError(403, 'FORBIDDEN', `the token does not act for brand ${brand}`);
}

/** 403 unless the token is the operator's (every brand): brand management. @throws ApiError */
export function requireOperator(locals: Record<string, unknown>): void {
  const actor = locals.actor as Actor | undefined;
  if (actor?.brands !== '*')
    throw new ApiError(403, 'FORBIDDEN', "only the operator's tokens manage brands");
}

/**
 * The watch an authenticated `/:serial` route acts on: the serial from the path and the brand
 * from `?issuer=` (else as `actingBrand` decides). @throws ApiError 400 on bad input, 403
 */
export function targetWatch(
  req: { params: unknown; query: unknown },
  locals: Record<string, unknown>,
  defaultBrand: string,
): { serial: string; brand: string } {
  const { serial } = parseRequest(serialParams, req.params, 'params');
  const { issuer } = parseRequest(issuerQuery, req.query, 'query');
  return { serial, brand: actingBrand(locals, issuer, defaultBrand) };
}
