/** Building the real app on an in-memory registry with a fixed clock, and running the real process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { openDatabase } from '../../server/db/database.ts';
import { openTestDatabase } from './db.ts';
import { createApp, type AppConfig } from '../../server/http/app.ts';
import type { Mailer } from '../../server/mail/mailer.ts';
import { createRegistry, type Registry } from '../../server/registry/registry.ts';
import type { Scope, TokenBrands } from '../../server/registry/tokens.ts';
import { SAMPLE_WATCHES } from '../../server/issuing/sample-data.ts';
import { buildPage } from '../../web/build.ts';
import { HALLMARK } from './cli.ts';
import { NOW } from './fixtures.ts';
import { addTestBrand, signTestTrustList } from './registry.ts';

export const PASSPHRASE = 'test passphrase, long enough';
export const PUBLIC_URL = 'https://verify.hallmark.example/';

export interface TestService {
  app: ReturnType<typeof createApp>;
  /** Builds the app again with the verification page (its keys baked in) served at `/`. */
  withPage(): Promise<ReturnType<typeof createApp>>;
  registry: Registry;
  clock: { now: number };
  /** Every log line written, as text. */
  logs: string[];
  /** A token for `brands` (default: HUB, the brand every test service has). */
  token(scopes: Scope[], label?: string, brands?: TokenBrands): string;
}

/**
 * The real app over a fresh in-memory registry with brand HUB ("Hublot", key in service since
 * a day before NOW) and a trust list; time stands still unless the test moves it.
 */
export function testService(
  options: {
    config?: Partial<AppConfig>;
    dbPath?: string;
    statusListSize?: number;
    /** More brands, each with its own key, all on the trust list. */
    brands?: string[];
    /** Mail for owner-key recovery (a real SMTP server in the tests: helpers/smtp.ts). */
    mailer?: Mailer;
  } = {},
): TestService {
  const clock = { now: NOW - 86_400 };
  const db = options.dbPath ? openDatabase(options.dbPath) : openTestDatabase();
  const registry = createRegistry(db, {
    passphrase: PASSPHRASE,
    legacyBrand: 'HUB',
    now: () => clock.now,
    ...(options.statusListSize ? { statusListSize: options.statusListSize } : {}),
  });
  addTestBrand(registry, 'HUB', { name: 'Hublot' });
  for (const code of options.brands ?? []) addTestBrand(registry, code);
  signTestTrustList(registry);
  clock.now = NOW;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  const config = {
    publicUrl: PUBLIC_URL,
    defaultIssuer: 'HUB',
    publicRateLimit: 10_000,
    trustProxy: 0,
    ...options.config,
  };
  const mail = options.mailer ? { mailer: options.mailer } : {};
  const app = createApp({ registry, logger, config, ...mail });
  const withPage = async () =>
    createApp({
      registry,
      logger,
      config,
      ...mail,
      page: await buildPage({
        roots: registry.trust.rootJwks(),
        trustList: registry.trust.latest()?.jws,
      }),
    });
  let n = 0;
  return {
    withPage,
    app,
    registry,
    clock,
    logs,
    token: (scopes, label = `test-${++n}`, brands = ['HUB']) =>
      registry.tokens.create(label, scopes, brands, clock.now).token,
  };
}

/** Listens on 127.0.0.1 with an ephemeral port. */
export async function listen(
  app: ReturnType<typeof createApp>,
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Another origin on loopback (its own port) serving one HTML page: a third-party site. */
export async function listenHtml(
  html: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  port: number;
  stdout: () => string;
  stderr: () => string;
  adminToken: string | undefined;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts `hallmark serve` (what `npm start` runs) as a real process and waits until it listens. */
export async function startServiceProcess(
  env: Record<string, string>,
  cwd: string,
): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [HALLMARK, 'serve'], {
    cwd,
    env: { ...process.env, PORT: String(port), HALLMARK_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const deadline = Date.now() + 30_000;
  while (!out.includes('"msg":"listening"')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`service did not start (exit ${child.exitCode}):\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const adminToken = /ADMIN TOKEN[^\n]*\n\s*(hmk_\S+)/.exec(out)?.[1];
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    adminToken,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The watch fields of the typical certificate, as the API takes them. */
export function watchBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...SAMPLE_WATCHES[0]!, ...overrides };
}
