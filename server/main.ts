/**
 * The service entry point: reads the environment, opens the database, loads the signing key,
 * and listens. Everything else is built by createApp and the registry. With
 * HALLMARK_WORKERS > 1 a primary process prepares the registry and runs checkpoints, and
 * that many worker processes serve HTTP over the same database.
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig, registryOptions, type ServiceConfig } from './config.ts';
import { startCheckpointer } from './db/checkpointer.ts';
import { describeLocation, openDatabase, type Db } from './db/database.ts';
import { isPostgresUrl } from './db/location.ts';
import { electLeader } from './db/leader.ts';
import { buildPage } from '../web/build.ts';
import { createApp } from './http/app.ts';
import { certificateViews } from './http/views.ts';
import { IssuingService } from './issuing/issuing-service.ts';
import { processMetrics, startMetricsServer } from './metrics.ts';
import { SAMPLE_WATCHES } from './issuing/sample-data.ts';
import { resolvePassphrase } from './keys/passphrase.ts';
import { createRegistry, type Registry } from './registry/registry.ts';
import { refreshDevTrustList } from './trust/trust-lists.ts';
import { openLogIdentity, startLogPublisher, type LogIdentity } from './log/log-service.ts';
import { smtpMailer } from './mail/mailer.ts';

export interface RunningService {
  server?: Server;
  port: number;
  registry: Registry;
  config: ServiceConfig;
  /** Where GET /metrics answers (HALLMARK_METRICS_PORT, resolved when 0). */
  metricsPort?: number;
  /** Stops accepting, lets in-flight requests finish (10 s at most), closes the database. */
  close(): Promise<void>;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

interface StartOptions {
  logger?: Logger;
  /** Operator-facing console output (banners), not the log. */
  say?: (text: string) => void;
}

/**
 * Opens the registry and does the first-start work once: the first brand and its key, the
 * bootstrap (operator) admin token, the development trust list, the sample certificates,
 * each announced to the operator.
 * @throws SealError when the passphrase does not open the active key.
 */
function prepareRegistry(
  config: ServiceConfig,
  logger: Logger,
  say: (text: string) => void,
): { db: Db; registry: Registry; log: LogIdentity } {
  const source = resolvePassphrase(config, { create: true });
  const db = openDatabase(config.dbPath);
  const registry = createRegistry(db, registryOptions(config, source.passphrase));
  try {
    // One transaction under the write lock: nodes that start together on one PostgreSQL
    // registry do the first-start work once (one brand, one key, one admin token).
    const log = db
      .transaction(() => {
        if (registry.brands.list().length === 0) {
          registry.brands.add({ code: config.issuer, name: config.issuer }, nowSeconds());
          logger.info({ brand: config.issuer }, 'created the first brand');
        } else if (!registry.brands.has(config.issuer)) {
          throw new ConfigError(
            `HALLMARK_ISSUER is ${config.issuer}, which is not a brand of this registry (brands: ${registry.brands
              .list()
              .map((b) => b.code)
              .join(', ')})`,
          );
        }
        const created = registry.keys.ensureKey(config.issuer, nowSeconds());
        // Fails here, before listening, on a wrong passphrase.
        const key = registry.keys.active(config.issuer);
        if (created)
          logger.info({ kid: key.kid, brand: config.issuer }, 'generated the first signing key');
        // Before the development trust list, which names the log's key.
        const log = openLogIdentity(
          registry,
          config.logOrigin,
          nowSeconds(),
          config.logOriginExplicit,
        );
        if (source.development) {
          say(
            banner([
              'DEVELOPMENT KEY — FOR DEVELOPMENT ONLY',
              `The signing key is sealed with a generated passphrase kept in ${source.file}.`,
              'Anyone who can read that folder can sign certificates as your brand.',
              'The trust list pages rely on is signed with a development root key in the same folder.',
              'In production set HALLMARK_KEY_PASSPHRASE (and NODE_ENV=production).',
            ]),
          );
          const list = refreshDevTrustList(
            registry,
            config.dbPath,
            source.passphrase,
            nowSeconds(),
            {
              create: true,
            },
          );
          if (list)
            logger.warn(
              { seq: list.payload.seq, brands: list.payload.brands.length },
              'signed the trust list with the DEVELOPMENT root key',
            );
        }
        for (const { brand, kid } of registry.trust.unlistedActiveKeys())
          logger.warn(
            { brand, kid },
            'the installed trust list does not vouch for this active key: pages will refuse its certificates until `hallmark trust-list sign` installs a new list',
          );
        if (registry.trust.latest()?.payload.log?.key !== log.vkey)
          logger.warn(
            { log: log.origin },
            'the installed trust list does not name the issuance log key: pages and verifiers will not check the log until `hallmark trust-list sign` installs a new list',
          );
        if (registry.tokens.count() === 0) {
          // The operator's token: every brand, and brand management.
          const { token } = registry.tokens.create('bootstrap-admin', ['admin'], '*', nowSeconds());
          registry.events.append({
            at: nowSeconds(),
            actor: 'system',
            action: 'token.created',
            detail: { label: 'bootstrap-admin', scopes: ['admin'], brands: '*' },
          });
          say(
            banner([
              'ADMIN TOKEN (shown once; store it now):',
              token,
              `Create narrower tokens with: npx hallmark tokens create --scope issue --brand ${config.issuer} --label erp`,
            ]),
          );
        }
        if (config.sampleData && registry.certificates.count() === 0) {
          const issuing = new IssuingService(registry);
          const view = certificateViews(registry, config.publicUrl);
          const lines = SAMPLE_WATCHES.map((w) => {
            const { record } = issuing.issue(w, config.issuer, 'system:sample-data');
            return `${record.serial}  ${view(record).url}`;
          });
          say(banner(['Sample certificates (open a link to verify it):', ...lines]));
        }
        return log;
      })
      .immediate();
    return { db, registry, log };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Starts the service from an environment: one process, or a primary and its workers. */
export async function startService(
  env: NodeJS.ProcessEnv,
  options: StartOptions = {},
): Promise<RunningService> {
  const config = loadConfig(env);
  const logger =
    options.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization'] });
  const say = options.say ?? ((text: string) => process.stdout.write(text));
  if (cluster.isWorker) return startHttp(config, logger, openWorkerRegistry(config));
  const { db, registry, log } = prepareRegistry(config, logger, say);
  const checkpointer = isPostgresUrl(config.dbPath)
    ? undefined
    : startCheckpointer(db, config.dbPath, logger);
  // One publisher per registry: this (primary) process on SQLite; on PostgreSQL, the node
  // elected through the database. Checkpoints at least every second.
  const leadership = electLeader(config.dbPath, 'log-publisher');
  const publisher = startLogPublisher(registry, log, { logger, leads: leadership.isLeader });
  const stopBackground = async () => {
    await publisher.stop();
    leadership.stop();
    await checkpointer?.stop();
  };
  if (config.workers <= 1) {
    const running = await startHttp(config, logger, { db, registry });
    const metrics = await startMetrics(config, logger, false);
    const closeHttp = running.close;
    const close = async () => {
      await metrics?.close();
      await closeHttp();
      await stopBackground();
      db.close();
      logger.info('stopped');
    };
    return { ...running, close, ...(metrics ? { metricsPort: metrics.port } : {}) };
  }
  return startPrimary(config, logger, { db, registry }, { stop: stopBackground });
}

/** GET /metrics on HALLMARK_METRICS_PORT, when set; the primary answers for its workers. */
async function startMetrics(
  config: ServiceConfig,
  logger: Logger,
  cluster: boolean,
): Promise<{ port: number; close(): Promise<void> } | undefined> {
  if (config.metricsPort === undefined) return undefined;
  const { server, port } = await startMetricsServer(config.metricsPort, config.metricsHost, {
    cluster,
  });
  logger.info({ port, host: config.metricsHost }, 'metrics listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function openWorkerRegistry(config: ServiceConfig): { db: Db; registry: Registry } {
  const { passphrase } = resolvePassphrase(config, { create: false });
  const db = openDatabase(config.dbPath);
  if (!isPostgresUrl(config.dbPath)) db.pragma('wal_autocheckpoint = 0'); // the primary checkpoints
  const registry = createRegistry(db, registryOptions(config, passphrase));
  registry.keys.active(config.issuer);
  return { db, registry };
}

async function startHttp(
  config: ServiceConfig,
  logger: Logger,
  { db, registry }: { db: Db; registry: Registry },
): Promise<RunningService> {
  const page = await buildPage({
    roots: registry.trust.rootJwks(),
    trustList: registry.trust.latest()?.jws,
  });
  const metrics = config.metricsPort === undefined ? undefined : processMetrics();
  metrics?.watch(registry);
  const app = createApp({
    registry,
    logger,
    page,
    ...(metrics ? { metrics } : {}),
    ...(config.mail ? { mailer: smtpMailer(config.mail.url, config.mail.from) } : {}),
    config: {
      publicUrl: config.publicUrl,
      defaultIssuer: config.issuer,
      publicRateLimit: config.publicRateLimit,
      trustProxy: config.trustProxy,
      idempotencyRetention: config.idempotencyHours * 3600,
      stolenReportsPerHour: config.stolenReportsPerHour,
    },
  });
  const server = await new Promise<Server>((resolve, reject) => {
    // Express 5 hands a listen error (a port in use) to this callback, not to an 'error' event.
    const s = app.listen(config.port, config.host, (error?: Error) =>
      error ? reject(error) : resolve(s),
    );
  });
  // Longer than the usual load balancer idle timeout (60 s), so the proxy, not us, closes
  // idle connections: no request lands on a socket we are closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (!cluster.isWorker)
    logger.info(
      { port, host: config.host, db: describeLocation(config.dbPath), publicUrl: config.publicUrl },
      'listening',
    );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      logger.info('shutting down: finishing in-flight requests');
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      // Keep-alive connections become idle as their last response ends: close them then.
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      server.close(() => {
        clearTimeout(force);
        clearInterval(idle);
        if (cluster.isWorker) db.close();
        resolve();
      });
      server.closeIdleConnections();
    }));
  return { server, port, registry, config, close };
}

async function startPrimary(
  config: ServiceConfig,
  logger: Logger,
  { db, registry }: { db: Db; registry: Registry },
  checkpointer: { stop(): Promise<void> },
): Promise<RunningService> {
  let stopping = false;
  const fork = () => cluster.fork({ HALLMARK_SAMPLE_DATA: 'false' });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    fork();
  });
  await Promise.all(
    Array.from(
      { length: config.workers },
      () => new Promise<void>((resolve) => fork().once('listening', () => resolve())),
    ),
  );
  const metrics = await startMetrics(config, logger, true);
  logger.info(
    {
      port: config.port,
      host: config.host,
      db: describeLocation(config.dbPath),
      publicUrl: config.publicUrl,
      workers: config.workers,
    },
    'listening',
  );
  const close = async () => {
    stopping = true;
    await metrics?.close();
    logger.info('shutting down: stopping workers');
    await Promise.all(
      Object.values(cluster.workers ?? {}).map(
        (w) =>
          new Promise<void>((resolve) => {
            if (!w || w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await checkpointer.stop();
    db.close();
    logger.info('stopped');
  };
  return {
    port: config.port,
    registry,
    config,
    close,
    ...(metrics ? { metricsPort: metrics.port } : {}),
  };
}

function banner(lines: string[]): string {
  const rule = '='.repeat(Math.min(100, Math.max(...lines.map((l) => l.length)) + 4));
  return `\n${rule}\n${lines.map((l) => `  ${l}`).join('\n')}\n${rule}\n\n`;
}
