/**
 * A throwaway PostgreSQL cluster from Debian's binaries: initdb in a temporary directory, a
 * random port on 127.0.0.1, trust authentication for the test role. initdb refuses to run as
 * root, so as root the cluster runs as the `postgres` system user.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianPostgresBin } from '../../server/db/pg-backup.ts';
import { freePort } from './service.ts';

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:<port>/hallmark */
  url: string;
  port: number;
  bin: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The newest installed /usr/lib/postgresql/<version>/bin, or undefined. */
export function postgresBin(): string | undefined {
  return debianPostgresBin('postgres');
}

function asOwner(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ['runuser', ['-u', 'postgres', '--', bin, ...args]]
    : [bin, args];
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed: run scripts/install-system-deps.sh');
  const dir = mkdtempSync(join(tmpdir(), 'hallmark-pg-'));
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const [initdb, initArgs] = asOwner(join(bin, 'initdb'), [
    '-D',
    data,
    '--auth=trust',
    '--username=postgres',
    '--locale=C',
    '--encoding=UTF8',
    '--no-sync',
  ]);
  execFileSync(initdb, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const [postgres, args] = asOwner(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    // A test cluster: durability off (the kill -9 tests kill nodes, never the database).
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=1000',
  ]);
  const child = spawn(postgres, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      execFileSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], {
        stdio: 'ignore',
      });
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`PostgreSQL did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  execFileSync(join(bin, 'psql'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'postgres',
    '-qc',
    'CREATE DATABASE hallmark',
  ]);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `postgres://postgres@127.0.0.1:${port}/hallmark`,
    port,
    bin,
    process: child,
    stop: async () => {
      // Fast shutdown, sent to the postmaster itself: runuser does not pass SIGINT on.
      try {
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        process.kill(pid, 'SIGINT');
      } catch {
        // already stopped
      }
      const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
      if (child.exitCode === null && child.signalCode === null) await exited;
      clearTimeout(timeout);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
