/**
 * The express app. `createApp(deps)` wires routes and middleware and never listens, reads
 * the environment or opens files: that is `server/main.ts`'s job.
 */
import express, { type Express } from 'express';
import { rateLimit } from 'express-rate-limit';
import { DbRateLimitStore } from './rate-limit-store.ts';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Registry } from '../registry/registry.ts';
import { errorHandler, ApiError, notFound } from './errors.ts';
import { apiHeaders } from './headers.ts';
import { malformedPathGuard } from './malformed-path.ts';
import { requestContext } from './request-context.ts';
import type { PageBuild } from '../../web/build.ts';
import type { Metrics } from '../metrics.ts';
import type { Mailer } from '../mail/mailer.ts';
import { IssuingService } from '../issuing/issuing-service.ts';
import { brandRoutes } from './routes/brands.ts';
import { certificateRoutes } from './routes/certificates.ts';
import { ownershipRoutes } from './routes/ownership.ts';
import { pageRoutes } from './routes/page.ts';
import { retailerRoutes } from './routes/retailer.ts';
import { statusChangeRoutes } from './routes/status-changes.ts';
import { statusListRoutes } from './routes/status-lists.ts';
import { healthRoutes, wellKnownRoutes } from './routes/well-known.ts';
import { logMonitorRoutes, logRoutes } from './routes/log.ts';
import { apiDocsRoutes } from './routes/api-docs.ts';

export interface AppConfig {
  /** Base URL of the verification page, used in QR codes. */
  publicUrl: string;
  /** Brand for requests that name none, when the token acts for several brands. */
  defaultIssuer: string;
  /** Requests per minute per client address on public endpoints. */
  publicRateLimit: number;
  /** Trust X-Forwarded-For from this many proxies (0: none). */
  trustProxy: number;
  /** How long batch answers are kept for Idempotency-Key replays, in seconds (default 24 h). */
  idempotencyRetention?: number;
  /** Stolen reports one non-admin token may make per hour before they are held (default 5). */
  stolenReportsPerHour?: number;
  /** Failed ownership claim / transfer attempts per minute per address (default 10). */
  claimRateLimit?: number;
  /** Owner-key recovery requests per hour per address (default 5). */
  recoveryRateLimit?: number;
}

export interface AppDeps {
  registry: Registry;
  config: AppConfig;
  logger: Logger;
  /** The verification page to serve at `/` (web/build.ts); none in API-only setups. */
  page?: PageBuild;
  /** Prometheus metrics (server/metrics.ts), when HALLMARK_METRICS_PORT is set. */
  metrics?: Metrics;
  /** Mail for owner-key recovery (HALLMARK_SMTP_URL); without it, recovery answers 503. */
  mailer?: Mailer;
}

export function createApp({ registry, config, logger, page, metrics, mailer }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');
  // ETags are computed where they help (JWKS, status lists), not hashed for every API answer.
  app.set('etag', false);
  if (metrics) app.use(metrics.http);
  app.use(requestContext(logger));
  app.use('/api', apiHeaders);
  // The page sets its own strict CSP (web/build.ts); helmet adds the rest of its defaults.
  app.use(/^(?!\/api\/).*/, helmet({ contentSecurityPolicy: false }));

  const publicLimit = rateLimit({
    windowMs: 60_000,
    limit: config.publicRateLimit,
    store: new DbRateLimitStore(registry.db, 'public:'),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) =>
      next(new ApiError(429, 'RATE_LIMITED', 'too many requests; try again in a minute')),
  });

  app.use(malformedPathGuard(publicLimit, logger));
  app.use(healthRoutes(registry));
  // Only the public, unauthenticated endpoints are rate-limited per address: authenticated
  // issuing is bounded by its tokens, and must sustain ERP bursts.
  app.use('/.well-known', publicLimit);
  app.use(wellKnownRoutes(registry));
  // Guessing ownership codes is throttled much harder than reading public data. Only failed
  // attempts count: an owner using a right code is never slowed by the limit.
  const claimLimit = rateLimit({
    windowMs: 60_000,
    limit: config.claimRateLimit ?? 10,
    store: new DbRateLimitStore(registry.db, 'claim:'),
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) =>
      next(new ApiError(429, 'RATE_LIMITED', 'too many attempts; try again in a minute')),
  });
  // One issuing service per app: its group commit queues the requests of this process.
  const issuing = new IssuingService(registry);
  // Each recovery request may send an e-mail, whatever it matches: few per address.
  const recoveryLimit = rateLimit({
    windowMs: 3_600_000,
    limit: config.recoveryRateLimit ?? 5,
    store: new DbRateLimitStore(registry.db, 'recovery:'),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) =>
      next(new ApiError(429, 'RATE_LIMITED', 'too many recovery requests; try again later')),
  });
  const ownership = ownershipRoutes(registry, config, claimLimit, {
    recoveryLimit,
    logger,
    ...(mailer ? { mailer } : {}),
  });
  const retailer = retailerRoutes(registry, config, publicLimit);
  app.use(
    '/api/v1/certificates',
    certificateRoutes(registry, issuing, config, metrics),
    statusChangeRoutes(registry, config),
    ownership.certificatesRouter,
    retailer.certificatesRouter,
  );
  app.use('/api/v1/brands', brandRoutes(registry));
  app.use('/api/v1/log', logMonitorRoutes(registry));
  app.use('/api/v1', apiDocsRoutes(publicLimit));
  app.use(logRoutes(registry, publicLimit));
  app.use(ownership.root, retailer.root);
  app.use(statusListRoutes(registry, publicLimit, metrics));
  if (page) app.use(pageRoutes(page));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
