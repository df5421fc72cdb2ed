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
