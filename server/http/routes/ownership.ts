/**
 * Ownership without personal data: claim codes (made by the brand's `issue` tokens), claims
 * and transfers (public, by code, throttled per address).
 */
import { type RequestHandler, Router, json } from 'express';
import { z } from 'zod';
import type { Registry } from '../../registry/registry.ts';
import { actingBrand, actorName, requireScope } from '../auth.ts';
import { requireJson } from '../content-type.ts';
import { ApiError } from '../errors.ts';
import { brandParam, issuerQuery, serialParam, serialParams } from '../params.ts';
import { parseRequest } from '../validate.ts';

const claimBody = z.strictObject({
  serial: serialParam,
  issuer: brandParam.optional(),
  code: z.string().min(10).max(40),
  email: z.email().max(254).optional(),
});
const transferBody = z.strictObject({
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
  const body = [requireJson, json({ limit: '8kb' })];

  certificatesRouter.post(
    '/:serial/claim-code',
    requireScope(registry.tokens, 'issue'),
    (req, res) => {
      const { serial } = parseRequest(serialParams, req.params, 'params');
      const brand = actingBrand(
        res.locals,
        parseRequest(issuerQuery, req.query, 'query').issuer,
        config.defaultIssuer,
      );
      if (!registry.certificates.has(brand, serial))
        throw new ApiError(404, 'NOT_FOUND', `no certificate for serial ${serial}`);
      const code = registry.ownership.issueClaimCode(brand, serial, registry.now());
      registry.events.append({
        at: registry.now(),
        actor: actorName(res.locals),
        action: 'ownership.claim_code_issued',
        serial,
        detail: { issuer: brand },
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
