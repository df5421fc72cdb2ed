/**
 * Ownership without personal data: claim codes (made by the brand's `issue` tokens), claims
 * and transfers (public, by code, throttled per address).
 */
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Mailer } from '../../mail/mailer.ts';
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
  /** A shorter life for the code (a hand-over at the counter): 1 minute to 30 days. */
  expiresInMinutes: z
    .int()
    .min(1)
    .max(30 * 24 * 60)
    .optional(),
});

export const recoveryBody = z.strictObject({
  serial: serialParam,
  issuer: brandParam.optional(),
  email: z.email().max(254),
});
export const recoveryCompleteBody = z.strictObject({
  token: z.string().regex(/^rec_[A-Za-z0-9_-]{32}$/, 'is not a recovery token'),
});

/** What every recovery request is told, whether or not the address matched. */
export const RECOVERY_ANSWER =
  'if this is the address registered for this watch, a recovery link has been sent to it; it works once, for one hour';

export function ownershipRoutes(
  registry: Registry,
  config: { defaultIssuer: string; publicUrl: string },
  claimLimit: RequestHandler,
  recovery: { recoveryLimit: RequestHandler; logger: Logger; mailer?: Mailer },
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
      b.expiresInMinutes === undefined ? undefined : b.expiresInMinutes * 60,
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

  // Recovering a lost owner key. The owner proves the mailbox they registered: the registry
  // compares the typed address with the keyed hash it kept, and only then mails a one-time
  // link to that address. Every request gets the same answer, before any mail is sent, so the
  // endpoint tells nobody which address owns which watch.
  root.post('/api/v1/ownership/recovery', recovery.recoveryLimit, ...body, (req, res) => {
    const b = parseRequest(recoveryBody, req.body, 'body');
    if (!recovery.mailer)
      throw new ApiError(
        503,
        'RECOVERY_UNAVAILABLE',
        'recovery by e-mail is not set up on this service: ask the brand',
      );
    const brand = b.issuer ?? config.defaultIssuer;
    const token = registry.ownership.startRecovery(brand, b.serial, b.email, registry.now());
    res.status(202).json({ serial: b.serial, message: RECOVERY_ANSWER });
    if (token === undefined) return;
    const link = `${registry.brands.publicUrlOf(brand, config.publicUrl)}#recover=${token}`;
    const mailer = recovery.mailer;
    void mailer
      .send({
        to: b.email,
        subject: `Your Hallmark owner key for watch ${b.serial}`,
        text: [
          `Someone, we hope you, asked to recover the owner key of the watch ${b.serial} (${brand}).`,
          '',
          'Open this link on the phone that should hold the new key. It works once, for one hour, and your old key stops working when you use it:',
          '',
          link,
          '',
          'If you did not ask for this, ignore this message: nothing changes.',
        ].join('\r\n'),
      })
      .then(() =>
        registry.events.append({
          at: registry.now(),
          actor: 'system:mail',
          action: 'ownership.recovery_mailed',
          serial: b.serial,
          detail: { issuer: brand },
        }),
      )
      .catch((error: unknown) =>
        recovery.logger.error({ err: error, serial: b.serial }, 'recovery mail not sent'),
      );
  });

  root.post('/api/v1/ownership/recovery/complete', claimLimit, ...body, (req, res) => {
    const { token } = parseRequest(recoveryCompleteBody, req.body, 'body');
    const done = registry.ownership.completeRecovery(token, registry.now());
    res.status(201).json(done);
  });

  return { certificatesRouter, root };
}
