/** Small helpers the commands share: input reading, required environment, clean failures. */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { MIN_PASSPHRASE_LENGTH } from '../../server/keys/passphrase-rules.ts';

/** An expected failure: printed as one line on stderr, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/**
 * Exit codes: one per situation a user can cause and fix, so that scripts and operators can
 * tell them apart (the README lists them). 1 is a check that failed (not authentic, a log
 * inconsistency, a token failure), 70 (EX_SOFTWARE) a bug.
 */
export const EXIT = {
  usage: 2,
  rejectedRows: 3,
  wrongPassphrase: 4,
  noKey: 5,
  locked: 6,
  readOnly: 7,
  diskFull: 8,
  portInUse: 9,
  unexpected: 70,
} as const;

/**
 * The one-line message and exit code of a failure the user can cause (a wrong passphrase, a
 * missing key, a locked database, a read-only directory, a full disk, a port in use), from the
 * error's name or code; undefined for anything else (a bug: "unexpected error", exit 70).
 */
export function userFailure(
  error: unknown,
  database: string | undefined = process.env.HALLMARK_DB,
): CliError | undefined {
  const {
    name,
    code = '',
    message = '',
  } = error as { name?: string; code?: string; message?: string };
  const db = database ?? 'the registry';
  if (name === 'SealError')
    return new CliError(`${message} (check HALLMARK_KEY_PASSPHRASE)`, EXIT.wrongPassphrase);
  if (code === 'NO_ACTIVE_KEY')
    return new CliError(
      `${message}: give it one with \`hallmark keys generate --brand <code>\` (or start the service once with npm start, which sets up a development registry)`,
      EXIT.noKey,
    );
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new CliError(
      `the registry database ${db} is locked by another process (a backup, a long import, a stuck command): wait for it to finish, or stop it, then run again`,
      EXIT.locked,
    );
  if (code === 'SQLITE_FULL' || code === 'ENOSPC')
    return new CliError(
      `the disk is full (writing ${db}): nothing was half-written; free some space, then run again`,
      EXIT.diskFull,
    );
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    ['EACCES', 'EPERM', 'EROFS'].includes(code)
  )
    return new CliError(
      `cannot write ${db}: the file or its directory is read-only for this user (${message}); give write access, or point HALLMARK_DB elsewhere`,
      EXIT.readOnly,
    );
  if (code === 'EADDRINUSE')
    return new CliError(
      `the port is in use by another program (${message}): stop it, or choose another PORT`,
      EXIT.portInUse,
    );
  return undefined;
}

/** Reads a file, or standard input for '-'. */
export function readInput(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read ${path === '-' ? 'standard input' : path}: ${(error as Error).message}`,
    );
  }
}

/** Parses JSON text, naming the source on failure. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The key passphrase from HALLMARK_KEY_PASSPHRASE, checked. */
export function passphraseFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.HALLMARK_KEY_PASSPHRASE;
  if (!value) {
    throw new CliError('HALLMARK_KEY_PASSPHRASE is not set: it protects the private key at rest');
  }
  if (value.length < MIN_PASSPHRASE_LENGTH) {
    throw new CliError(
      `HALLMARK_KEY_PASSPHRASE must be at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  }
  return value;
}

/** commander argument parser for a positive integer within bounds. */
export function intOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** commander argument parser for an ISO 8601 time or epoch seconds; returns seconds. */
export function timeOption(value: string): number {
  const seconds = /^\d+$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(seconds))
    throw new InvalidArgumentError('expected an ISO 8601 time or epoch seconds');
  return Math.floor(seconds);
}

/** GETs `url` (timeout in ms): the response when it is 2xx. @throws CliError naming the URL */
export async function fetchOk(url: string, timeoutMs = 10_000): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new CliError(`cannot fetch ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new CliError(`cannot fetch ${url}: HTTP ${response.status}`);
  return response;
}
