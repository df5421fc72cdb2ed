/**
 * The service entry point: reads the environment, opens the database, loads the signing key,
 * and listens. Everything else is built by createApp and the registry.
 */
import type { Server } from 'node:http';
import pino, { type Logger } from 'pino';
import { loadConfig, type ServiceConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { createApp } from './http/app.ts';
import { SAMPLE_WATCHES } from './issuing/sample-data.ts';
import { resolvePassphrase } from './keys/passphrase.ts';
import { createRegistry, type Registry } from './registry/registry.ts';
import { certificateView } from './http/views.ts';

export interface RunningService {
  server: Server;
  port: number;
  registry: Registry;
  config: ServiceConfig;
  /** Stops accepting, lets in-flight requests finish (10 s at most), closes the database. */
  close(): Promise<void>;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Starts the service from an environment. Console output (`say`) is for the operator, not the log. */
export async function startService(
  env: NodeJS.ProcessEnv,
  options: { logger?: Logger; say?: (text: string) => void } = {},
): Promise<RunningService> {
  const config = loadConfig(env);
  const say = options.say ?? ((text: string) => process.stdout.write(text));
  const logger =
    options.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization'] });
  const source = resolvePassphrase(config, { create: true });
  const db = openDatabase(config.dbPath);
  const registry = createRegistry(db, {
    passphrase: source.passphrase,
    defaultIssuer: config.issuer,
    now: nowSeconds,
  });
  try {
    const created = registry.keys.ensureKey(nowSeconds());
    const key = registry.keys.active(); // fails here, before listening, on a wrong passphrase
    if (created) logger.info({ kid: key.kid }, 'generated the first signing key');
    if (source.development) {
      say(
        banner([
          'DEVELOPMENT KEY — FOR DEVELOPMENT ONLY',
          `The signing key is sealed with a generated passphrase kept in ${source.file}.`,
          'Anyone who can read that folder can sign certificates as your brand.',
          'In production set HALLMARK_KEY_PASSPHRASE (and NODE_ENV=production).',
        ]),
      );
    }
    if (registry.tokens.count() === 0) {
      const { token } = registry.tokens.create('bootstrap-admin', ['admin'], nowSeconds());
      registry.events.append({
        at: nowSeconds(),
        actor: 'system',
        action: 'token.created',
        detail: { label: 'bootstrap-admin', scopes: ['admin'] },
      });
      say(
        banner([
          'ADMIN TOKEN (shown once; store it now):',
          token,
          'Create narrower tokens with: npx hallmark tokens create --scope issue --label erp',
        ]),
      );
    }
    if (config.sampleData && registry.certificates.count() === 0) {
      const lines = SAMPLE_WATCHES.map((w) => {
        const { record } = registry.issuing.issue(w, 'system:sample-data');
        return `${record.serial}  ${certificateView(record, config.publicUrl).url}`;
      });
      say(banner(['Sample certificates (open a link to verify it):', ...lines]));
    }
  } catch (error) {
    db.close();
    throw error;
  }

  const app = createApp({
    registry,
    logger,
    config: {
      publicUrl: config.publicUrl,
      defaultIssuer: config.issuer,
      publicRateLimit: config.publicRateLimit,
      trustProxy: config.trustProxy,
    },
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { port, host: config.host, db: config.dbPath, publicUrl: config.publicUrl },
    'listening',
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      logger.info('shutting down: finishing in-flight requests');
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      server.close(() => {
        clearTimeout(force);
        db.close();
        logger.info('stopped');
        resolve();
      });
      server.closeIdleConnections();
    }));
  return { server, port, registry, config, close };
}

function banner(lines: string[]): string {
  const rule = '='.repeat(Math.min(100, Math.max(...lines.map((l) => l.length)) + 4));
  return `\n${rule}\n${lines.map((l) => `  ${l}`).join('\n')}\n${rule}\n\n`;
}
