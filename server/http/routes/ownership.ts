/**
 * Ownership without personal data: claim codes (made by the brand's `issue` tokens), claims
 * and transfers (public, by code, throttled per address).
 */
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { Registry } from '../../registry/registry.ts';
import { hasScope } from '../../registry/tokens.ts';
import { actorName, requireScope, targetWatch, type Actor } from '../auth.ts';
import { jsonBody } from '../content-type.ts';
import { ApiError } from '../errors.ts';
import { brandParam, reasonText, serialParam } from '../params.ts';
import { parseRequest } from '../validate.ts';

export const claimBody = z.strictObject({
  serial: serialParam,
  issuer: brandParam.optional(),
  code: z.string().min(10).max(40),
  email: z.email().max(254).optional(),
});
export const claimCodeBody = z
  .strictObject({ override: z.literal(true).optional(), reason: reasonText.optional() })
  .refine((b) => !b.override || b.reason !== undefined, {
    path: ['reason'],
    message: 'is required with an override',
  });
export const transferBody = z.strictObject({
  serial: serialParam,
  issuer: brandParam.optional(),
  ownerKey: z.string().min(10).max(100),
});

export function ownershipRoutes(
  registry: Registry,
  config: { defaultIssuer: string },
  claimLimit: RequestHandler,
) {
  const certificatesRouter = Router();
  const root = Router();
  const body = jsonBody('8kb');

  // A claim code for the box or the sale. For a watch that has an owner, only with
  // `{"override": true, "reason": "…"}` from an admin: the audited decision to let the holder
  // of the new code replace the owner (ownership otherwise changes only by the owner's transfer).
  certificatesRouter.post(
    '/:serial/claim-code',
    requireScope(registry.tokens, 'issue'),
    ...jsonBody('8kb', { optional: true }),
    (req, res) => {
      const { serial, brand } = targetWatch(req, res.locals, config.defaultIssuer);
      const body = parseRequest(claimCodeBody, req.body ?? {}, 'body');
      if (body.override && !hasScope((res.locals.actor as Actor).scopes, 'admin'))
        throw new ApiError(403, 'FORBIDDEN', 'an ownership override needs the "admin" scope');
      if (!registry.certificates.has(brand, serial))
        throw new ApiError(404, 'NOT_FOUND', `no certificate for serial ${serial}`);
      const override = body.override === true && registry.ownership.isOwned(brand, serial);
      const code = registry.ownership.issueClaimCode(brand, serial, registry.now(), {
        override: body.override === true,
      });
      registry.events.append({
        at: registry.now(),
        actor: actorName(res.locals),
        action: override ? 'ownership.override_claim_code_issued' : 'ownership.claim_code_issued',
        serial,
        detail: { issuer: brand, ...(override ? { override: true } : {}) },
        reason: body.reason,
      });
      res.status(201).json({ serial, code });
    },
  );

  root.post('/api/v1/ownership/claim', claimLimit, ...body, (req, res) => {
    const b = parseRequest(claimBody, req.body, 'body');
    const brand = b.issuer ?? config.defaultIssuer;
    const { ownerKey, owners } = registry.ownership.claim(
      brand,
      b.serial,
      b.code,
      registry.now(),
      b.email,
    );
    registry.events.append({
      at: registry.now(),
      actor: 'owner',
      action: 'ownership.claimed',
      serial: b.serial,
      detail: { issuer: brand, owners },
    });
    res.status(201).json({ serial: b.serial, owners, ownerKey });
  });

  root.post('/api/v1/ownership/transfer', claimLimit, ...body, (req, res) => {
    const b = parseRequest(transferBody, req.body, 'body');
    const brand = b.issuer ?? config.defaultIssuer;
    const transferCode = registry.ownership.startTransfer(
      brand,
      b.serial,
      b.ownerKey,
      registry.now(),
    );
    registry.events.append({
      at: registry.now(),
      actor: 'owner',
      action: 'ownership.transfer_started',
      serial: b.serial,
      detail: { issuer: brand },
    });
    res.status(201).json({ serial: b.serial, transferCode });
  });

  return { certificatesRouter, root };
}
