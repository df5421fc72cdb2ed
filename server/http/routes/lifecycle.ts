/**
 * Resale trust over HTTP: status changes (revoke, stolen, recovered), re-issue, claim codes,
 * the public retailer check, ownership claims and transfers, and the signed status lists.
 */
import { type RequestHandler, Router, json } from 'express';
import { z } from 'zod';
import { issuerCode, serialNumber } from '../../../shared/claims.ts';
import type { Registry } from '../../registry/registry.ts';
import { retailerCheck } from '../../status/retailer-check.ts';
import { statusLists } from '../../status/status-lists.ts';
import { statusService, type StatusAction } from '../../status/status-service.ts';
import { actorName, requireScope } from '../auth.ts';
import { requireJson } from '../content-type.ts';
import { ApiError } from '../errors.ts';
import { sendCacheable } from '../headers.ts';
import { parseRequest } from '../validate.ts';
import { certificateView } from '../views.ts';

const upper = (s: string) => s.trim().toUpperCase();
const serial = z
  .string()
  .transform(upper)
  .refine((s) => serialNumber.safeParse(s).success, 'is not a valid serial number');
const issuer = z
  .string()
  .transform(upper)
  .refine((s) => issuerCode.safeParse(s).success, 'is not a valid brand code');
const reason = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(500, 'must be at most 500 characters');
const params = z.object({ serial });
const issuerQuery = z.strictObject({ issuer: issuer.optional() });
const reasonBody = (required: boolean) =>
  z.strictObject({ reason: required ? reason : reason.optional() });
const claimBody = z.strictObject({
  serial,
  issuer: issuer.optional(),
  code: z.string().min(10).max(40),
  email: z.email().max(254).optional(),
});
const transferBody = z.strictObject({
  serial,
  issuer: issuer.optional(),
  ownerKey: z.string().min(10).max(100),
});

export interface LifecycleConfig {
  publicUrl: string;
  defaultIssuer: string;
}

export function lifecycleRoutes(
  registry: Registry,
  config: LifecycleConfig,
  limits: { publicLimit: RequestHandler; claimLimit: RequestHandler },
) {
  const certificatesRouter = Router();
  const root = Router();
  const { tokens } = registry;
  const status = statusService(registry);
  const lists = statusLists(registry, { issuer: config.defaultIssuer });
  const body = [requireJson, json({ limit: '8kb' })];
  const who = (query: unknown) =>
    parseRequest(issuerQuery, query, 'query').issuer ?? config.defaultIssuer;

  const change =
    (action: StatusAction, required: boolean): RequestHandler =>
    (req, res) => {
      const { serial: sn } = parseRequest(params, req.params, 'params');
      const { reason: why } = parseRequest(reasonBody(required), req.body ?? {}, 'body');
      const record = status.change(who(req.query), sn, action, actorName(res.locals), why);
      res.json(certificateView(record, config.publicUrl));
    };
  certificatesRouter.post(
    '/:serial/revoke',
    requireScope(tokens, 'admin'),
    ...body,
    change('revoke', true),
  );
  // Authorised retailers (scope "report") may report a watch stolen; recovering is for the brand.
  certificatesRouter.post(
    '/:serial/stolen',
    requireScope(tokens, 'report'),
    ...body,
    change('stolen', false),
  );
  certificatesRouter.post(
    '/:serial/recovered',
    requireScope(tokens, 'admin'),
    ...body,
    change('recovered', false),
  );
  certificatesRouter.post(
    '/:serial/reissue',
    requireScope(tokens, 'issue'),
    ...body,
    (req, res) => {
      const { serial: sn } = parseRequest(params, req.params, 'params');
      const { reason: why } = parseRequest(reasonBody(false), req.body ?? {}, 'body');
      res
        .status(201)
        .json(
          certificateView(
            status.reissue(who(req.query), sn, actorName(res.locals), why),
            config.publicUrl,
          ),
        );
    },
  );
  certificatesRouter.post('/:serial/claim-code', requireScope(tokens, 'issue'), (req, res) => {
    const { serial: sn } = parseRequest(params, req.params, 'params');
    const brand = who(req.query);
    if (!registry.certificates.has(brand, sn))
      throw new ApiError(404, 'NOT_FOUND', `no certificate for serial ${sn}`);
    const code = registry.ownership.issueClaimCode(brand, sn, registry.issuing.now());
    registry.events.append({
      at: registry.issuing.now(),
      actor: actorName(res.locals),
      action: 'ownership.claim_code_issued',
      serial: sn,
      detail: { issuer: brand },
    });
    res.status(201).json({ serial: sn, code });
  });

  // The retailer check: public, rate-limited; authentic, status, owners, last transfer; never who.
  certificatesRouter.get('/:serial/check', limits.publicLimit, (req, res) => {
    const { serial: sn } = parseRequest(params, req.params, 'params');
    const brand = who(req.query);
    const result = retailerCheck(registry, brand, sn, registry.issuing.now());
    if (!result) throw new ApiError(404, 'NOT_FOUND', `no Hallmark certificate for serial ${sn}`);
    res.set('Cache-Control', 'no-store');
    res.json(result);
  });

  root.post('/api/v1/ownership/claim', limits.claimLimit, ...body, (req, res) => {
    const b = parseRequest(claimBody, req.body, 'body');
    const brand = b.issuer ?? config.defaultIssuer;
    const { ownerKey, owners } = registry.ownership.claim(
      brand,
      b.serial,
      b.code,
      registry.issuing.now(),
      b.email,
    );
    registry.events.append({
      at: registry.issuing.now(),
      actor: 'owner',
      action: 'ownership.claimed',
      serial: b.serial,
      detail: { issuer: brand, owners },
    });
    res.status(201).json({ serial: b.serial, owners, ownerKey });
  });
  root.post('/api/v1/ownership/transfer', limits.claimLimit, ...body, (req, res) => {
    const b = parseRequest(transferBody, req.body, 'body');
    const brand = b.issuer ?? config.defaultIssuer;
    const transferCode = registry.ownership.startTransfer(
      brand,
      b.serial,
      b.ownerKey,
      registry.issuing.now(),
    );
    registry.events.append({
      at: registry.issuing.now(),
      actor: 'owner',
      action: 'ownership.transfer_started',
      serial: b.serial,
      detail: { issuer: brand },
    });
    res.status(201).json({ serial: b.serial, transferCode });
  });

  // Static-like and CDN-cacheable: the same file for everybody, whatever watch is checked.
  root.get('/status/:file', limits.publicLimit, (req, res) => {
    const m = /^(\d{1,4})\.jwt$/.exec(String(req.params.file));
    const built = m ? lists.get(Number(m[1])) : undefined;
    if (!built) throw new ApiError(404, 'NOT_FOUND', 'no such status list');
    res.set('Cache-Control', 'public, max-age=300');
    res.set('Access-Control-Allow-Origin', '*');
    sendCacheable(req, res, built.jws, 'application/statuslist+jwt');
  });

  return { certificatesRouter, root, lists };
}
