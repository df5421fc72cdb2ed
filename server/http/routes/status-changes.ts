/**
 * Status changes of a brand's certificates: revoke (admin), report stolen (report), recover
 * (admin) and re-issue (issue). Each acts only on the token's own brands.
 */
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { Registry } from '../../registry/registry.ts';
import { statusService, type StatusAction } from '../../status/status-service.ts';
import { stolenReports } from '../../status/stolen-reports.ts';
import { hasScope } from '../../registry/tokens.ts';
import { actorName, requireScope, targetWatch, type Actor } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { jsonBody } from '../content-type.ts';
import { reasonText } from '../params.ts';
import { parseRequest } from '../validate.ts';
import { certificateViews } from '../views.ts';

/** The body of a status change: a reason for the audit trail, required or not. */
export const reasonBody = (required: boolean) =>
  z.strictObject({ reason: required ? reasonText : reasonText.optional() });

export function statusChangeRoutes(
  registry: Registry,
  config: { publicUrl: string; defaultIssuer: string; stolenReportsPerHour?: number | undefined },
): Router {
  const router = Router();
  const { tokens } = registry;
  const status = statusService(registry);
  const reports = stolenReports(registry, config.stolenReportsPerHour);
  const view = certificateViews(registry, config.publicUrl);
  const body = jsonBody('8kb');

  const change =
    (action: StatusAction, required: boolean): RequestHandler =>
    (req, res) => {
      const { serial, brand } = targetWatch(req, res.locals, config.defaultIssuer);
      const { reason } = parseRequest(reasonBody(required), req.body ?? {}, 'body');
      const actor = res.locals.actor as Actor;
      // A retailer token past its hourly allowance: the report waits for the brand's review.
      if (
        action === 'stolen' &&
        !hasScope(actor.scopes, 'admin') &&
        reports.overAllowance(actor.tokenId, registry.now())
      ) {
        const id = reports.hold(brand, serial, actor.tokenId, actorName(res.locals), reason);
        res.status(202).json({
          serial,
          held: true,
          report: id,
          message:
            'this token has reported many watches stolen within the hour: the report is held for the brand to review',
        });
        return;
      }
      res.json(
        view(status.change(brand, serial, action, actorName(res.locals), reason, actor.tokenId)),
      );
    };
  router.post('/:serial/revoke', requireScope(tokens, 'admin'), ...body, change('revoke', true));
  // Authorised retailers (scope "report") may report a watch stolen; recovering is for the brand.
  router.post('/:serial/stolen', requireScope(tokens, 'report'), ...body, change('stolen', false));
  router.post(
    '/:serial/recovered',
    requireScope(tokens, 'admin'),
    ...body,
    change('recovered', false),
  );
  // A new card for a watch. The new card is the one that counts, and the buyer's card becomes
  // "replaced": for a watch that has an owner that is the brand's decision (admin, with a reason).
  router.post('/:serial/reissue', requireScope(tokens, 'issue'), ...body, (req, res) => {
    const { serial, brand } = targetWatch(req, res.locals, config.defaultIssuer);
    const { reason } = parseRequest(reasonBody(false), req.body ?? {}, 'body');
    if (registry.ownership.isOwned(brand, serial)) {
      if (!hasScope((res.locals.actor as Actor).scopes, 'admin'))
        throw new ApiError(
          403,
          'FORBIDDEN',
          'this watch has a registered owner: re-issuing its card needs the "admin" scope',
        );
      if (reason === undefined)
        throw new ApiError(400, 'VALIDATION_FAILED', 'a reason is required', [
          { path: 'reason', message: 'is required to re-issue the card of an owned watch' },
        ]);
    }
    res.status(201).json(view(status.reissue(brand, serial, actorName(res.locals), reason)));
  });
  return router;
}
