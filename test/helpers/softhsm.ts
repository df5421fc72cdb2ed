/**
 * A throwaway SoftHSM2 token per test run (Debian's softhsm2): its own configuration and token
 * directory in a temporary folder, selected with SOFTHSM2_CONF. No mock: the real PKCS#11
 * library signs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOFTHSM_MODULE = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
].find((p) => existsSync(p))!;
export const TOKEN_LABEL = 'hallmark-test';
export const TOKEN_PIN = 'hsm-pin-7Qx4';

export interface SoftHsm {
  dir: string;
  /** The environment that points the service, the CLI and pkcs11-tool at this token. */
  env: Record<string, string>;
  /** Runs Debian's pkcs11-tool (opensc) on the token, logged in. */
  tool(args: string[]): string;
}

export function createSoftHsm(): SoftHsm {
  if (!SOFTHSM_MODULE)
    throw new Error('softhsm2 is not installed (scripts/install-system-deps.sh)');
  const dir = mkdtempSync(join(tmpdir(), 'hallmark-hsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const env = {
    SOFTHSM2_CONF: conf,
    HALLMARK_PKCS11_MODULE: SOFTHSM_MODULE,
    HALLMARK_PKCS11_TOKEN: TOKEN_LABEL,
    HALLMARK_PKCS11_PIN: TOKEN_PIN,
  };
  execFileSync(
    'softhsm2-util',
    [
      '--init-token',
      '--free',
      '--label',
      TOKEN_LABEL,
      '--pin',
      TOKEN_PIN,
      '--so-pin',
      'so-pin-9Zk2',
    ],
    { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'ignore' },
  );
  return {
    dir,
    env,
    tool: (args) =>
      execFileSync(
        'pkcs11-tool',
        [
          '--module',
          SOFTHSM_MODULE,
          '--token-label',
          TOKEN_LABEL,
          '--login',
          '--pin',
          TOKEN_PIN,
          ...args,
        ],
        {
          env: { ...process.env, SOFTHSM2_CONF: conf },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
  };
}
