/** Service configuration from the environment, validated: every bad variable named at once. */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Pkcs11Config } from './keys/pkcs11-core.mjs';
import { issuerCode } from '../shared/claims.ts';
import { isBaseUrl } from '../shared/qr.ts';
import { DEFAULT_DB, DEFAULT_ISSUER } from './config-defaults.ts';
import { MIN_PASSPHRASE_LENGTH } from './keys/sealed.ts';
import { logOriginFor, ORIGIN } from './log/log-service.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  HALLMARK_DB: z.string().min(1).default(DEFAULT_DB),
  HALLMARK_PUBLIC_URL: z
    .string()
    .refine(isBaseUrl, 'must be an http(s) URL without query or fragment')
    .optional(),
  HALLMARK_KEY_PASSPHRASE: z
    .string()
    .min(MIN_PASSPHRASE_LENGTH, `must be at least ${MIN_PASSPHRASE_LENGTH} characters`)
    .optional(),
  HALLMARK_ISSUER: z
    .string()
    .refine((s) => issuerCode.safeParse(s).success, 'must be 2-8 upper-case letters or digits')
    .default(DEFAULT_ISSUER),
  HALLMARK_SAMPLE_DATA: bool.optional(),
  HALLMARK_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  HALLMARK_PUBLIC_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  HALLMARK_TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  HALLMARK_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  HALLMARK_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HALLMARK_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  HALLMARK_CLAIM_CODE_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  HALLMARK_IDEMPOTENCY_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24),
  HALLMARK_STOLEN_REPORTS_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(5),
  HALLMARK_LOG_ORIGIN: z
    .string()
    .regex(ORIGIN, 'must be a schema-less URL such as verify.example.com/log')
    .optional(),
  HALLMARK_KEY_CUSTODY: z.enum(['sealed', 'pkcs11']).default('sealed'),
  HALLMARK_PKCS11_MODULE: z
    .string()
    .refine((p) => existsSync(p), 'no such file (the PKCS#11 library, a .so path)')
    .optional(),
  HALLMARK_PKCS11_TOKEN: z.string().max(32, 'a token label is at most 32 characters').optional(),
  HALLMARK_PKCS11_SLOT: z.coerce.number().int().min(0).optional(),
  HALLMARK_PKCS11_PIN: z.string().optional(),
  HALLMARK_PKCS11_PIN_FILE: z
    .string()
    .refine((p) => existsSync(p), 'no such file')
    .optional(),
  HALLMARK_SMTP_URL: z
    .string()
    .refine(
      (u) => /^smtps?:\/\/[^\s/]+(:\d+)?\/?(\?.*)?$/i.test(u),
      'must be smtp://[user:password@]host[:port] or smtps://…',
    )
    .optional(),
  HALLMARK_MAIL_FROM: z
    .string()
    .regex(
      /^[^\r\n<>]*<[^\s@<>]+@[^\s@<>]+>$|^[^\s@<>]+@[^\s@<>]+$/,
      'must be an address, or "Name <address>"',
    )
    .optional(),
  NODE_ENV: z.string().optional(),
});

export interface ServiceConfig {
  port: number;
  host: string;
  dbPath: string;
  publicUrl: string;
  passphrase: string | undefined;
  issuer: string;
  sampleData: boolean;
  logLevel: string;
  publicRateLimit: number;
  trustProxy: number;
  workers: number;
  /** Where GET /metrics listens (Prometheus); undefined: nowhere. */
  metricsPort: number | undefined;
  metricsHost: string;
  /** How long claim and transfer codes stay valid, in days. */
  claimCodeDays: number;
  /** How long batch answers are kept for Idempotency-Key replays, in hours. */
  idempotencyHours: number;
  /** Stolen reports one non-admin token may make per hour before they are held for review. */
  stolenReportsPerHour: number;
  /** The issuance log's origin line (fixed once the log exists). */
  logOrigin: string;
  /** Whether the origin was set explicitly (a stored log with another origin is then refused). */
  logOriginExplicit: boolean;
  /** Where owner-key recovery mail goes out (HALLMARK_SMTP_URL), and as whom; none: no recovery by e-mail. */
  mail: { url: string; from: string } | undefined;
  /** The PKCS#11 token (HALLMARK_PKCS11_*), and whether new keys are born in it. */
  pkcs11: { config: Pkcs11Config; newKeysInToken: boolean } | undefined;
  production: boolean;
}

/** Thrown when the environment is invalid; lists each variable and reason. */
export class ConfigError extends Error {}

/** Reads and validates the environment. @throws ConfigError */
export function loadConfig(env: NodeJS.ProcessEnv): ServiceConfig {
  // Treat empty variables as unset, as shells and .env files often leave them.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = result.data;
  const production = e.NODE_ENV === 'production';
  // Development conveniences must not leak into production: no sample certificates signed
  // with the real key, and no QR codes pointing at localhost or plain http.
  const problems: string[] = [];
  if (production && e.HALLMARK_SAMPLE_DATA === true)
    problems.push(
      '  HALLMARK_SAMPLE_DATA: sample certificates are for development, not NODE_ENV=production',
    );
  if (production && !e.HALLMARK_PUBLIC_URL?.toLowerCase().startsWith('https://'))
    problems.push(
      '  HALLMARK_PUBLIC_URL: NODE_ENV=production needs the https URL of the verification page (it is printed in every QR code)',
    );
  if (e.HALLMARK_KEY_CUSTODY === 'pkcs11' && !e.HALLMARK_PKCS11_MODULE)
    problems.push(
      '  HALLMARK_PKCS11_MODULE: HALLMARK_KEY_CUSTODY=pkcs11 needs the PKCS#11 library path',
    );
  if (e.HALLMARK_PKCS11_MODULE && !e.HALLMARK_PKCS11_PIN === !e.HALLMARK_PKCS11_PIN_FILE)
    problems.push(
      '  HALLMARK_PKCS11_PIN: give the token PIN in HALLMARK_PKCS11_PIN or HALLMARK_PKCS11_PIN_FILE (one of them)',
    );
  if (
    e.HALLMARK_METRICS_PORT !== undefined &&
    e.HALLMARK_METRICS_PORT !== 0 &&
    e.HALLMARK_METRICS_PORT === e.PORT
  )
    problems.push(
      '  HALLMARK_METRICS_PORT: must not be the service port (metrics are never served to the public)',
    );
  if (problems.length > 0) throw new ConfigError(`invalid environment:\n${problems.join('\n')}`);
  const pkcs11 = e.HALLMARK_PKCS11_MODULE
    ? {
        config: {
          module: e.HALLMARK_PKCS11_MODULE,
          ...(e.HALLMARK_PKCS11_TOKEN === undefined ? {} : { token: e.HALLMARK_PKCS11_TOKEN }),
          ...(e.HALLMARK_PKCS11_SLOT === undefined ? {} : { slot: e.HALLMARK_PKCS11_SLOT }),
          pin: e.HALLMARK_PKCS11_PIN ?? readFileSync(e.HALLMARK_PKCS11_PIN_FILE!, 'utf8').trim(),
        },
        newKeysInToken: e.HALLMARK_KEY_CUSTODY === 'pkcs11',
      }
    : undefined;
  const publicUrl = e.HALLMARK_PUBLIC_URL ?? `http://localhost:${e.PORT}/`;
  return {
    port: e.PORT,
    host: e.HOST,
    dbPath: e.HALLMARK_DB,
    publicUrl,
    passphrase: e.HALLMARK_KEY_PASSPHRASE,
    issuer: e.HALLMARK_ISSUER,
    sampleData: e.HALLMARK_SAMPLE_DATA ?? !production,
    logLevel: e.HALLMARK_LOG_LEVEL,
    publicRateLimit: e.HALLMARK_PUBLIC_RATE_LIMIT,
    trustProxy: e.HALLMARK_TRUST_PROXY,
    workers: e.HALLMARK_WORKERS,
    metricsPort: e.HALLMARK_METRICS_PORT,
    metricsHost: e.HALLMARK_METRICS_HOST,
    claimCodeDays: e.HALLMARK_CLAIM_CODE_DAYS,
    idempotencyHours: e.HALLMARK_IDEMPOTENCY_HOURS,
    stolenReportsPerHour: e.HALLMARK_STOLEN_REPORTS_PER_HOUR,
    logOrigin: e.HALLMARK_LOG_ORIGIN ?? logOriginFor(publicUrl),
    logOriginExplicit: e.HALLMARK_LOG_ORIGIN !== undefined,
    pkcs11,
    mail: e.HALLMARK_SMTP_URL
      ? {
          url: e.HALLMARK_SMTP_URL,
          from: e.HALLMARK_MAIL_FROM ?? `Hallmark <no-reply@${new URL(publicUrl).hostname}>`,
        }
      : undefined,
    production,
  };
}

/** The registry options a service configuration implies (the service and the CLI alike). */
export function registryOptions(config: ServiceConfig, passphrase: string) {
  return {
    passphrase,
    legacyBrand: config.issuer,
    now: () => Math.floor(Date.now() / 1000),
    claimCodeLifetime: config.claimCodeDays * 86_400,
    ...(config.pkcs11 ? { pkcs11: config.pkcs11 } : {}),
  };
}
