/**
 * A verifier that is not our code (test/independent/verify_log.py: Python, standard library,
 * written from RFC 8032, RFC 6962 and the C2SP specifications) checks a log our store wrote
 * out as static files: the checkpoint's signature and origin, every entry against its leaf,
 * and the root recomputed from the tiles. Then it is shown a tampered entry, a forged
 * signature and another log's checkpoint, and must refuse each.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openTestDatabase } from '../helpers/db.ts';
import { LogStore } from '../../server/log/log-store.ts';
import { toHex, utf8 } from '../../shared/bytes.ts';
import { formatVerifierKey, noteSigner } from '../../shared/tlog/note.ts';
import { tilePath, tilesOf } from '../../shared/tlog/tiles.ts';
import { testKey } from '../helpers/fixtures.ts';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'verify_log.py');
const ORIGIN = 'verify.hallmark.example/log';
const key = testKey('log key');
const signer = noteSigner(ORIGIN, key);
const VERIFIER = formatVerifierKey(ORIGIN, key.publicKey);

/** Writes the log as static files, the way a CDN would serve them. */
function publish(log: LogStore, checkpoint: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hallmark-log-'));
  const put = (path: string, body: Buffer | string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), body);
  };
  put('checkpoint', checkpoint);
  for (const t of tilesOf(log.size())) {
    put(tilePath(t.level, t.n, t.width), log.tile(t.level, t.n, t.width)!);
    if (t.level === 0) put(tilePath('entries', t.n, t.width), log.entryBundle(t.n, t.width)!);
  }
  return dir;
}

const verifyWithPython = (dir: string, verifier = VERIFIER, origin = ORIGIN) => {
  const run = spawnSync('python3', [SCRIPT, dir, verifier, origin], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.error) throw run.error; // no python3 is a failure, never a skip
  return { status: run.status, out: run.stdout.trim() };
};

describe('an independent verifier (Python, from the specifications)', () => {
  const db = openTestDatabase();
  const log = new LogStore(db);
  const SIZE = 700; // two full tiles and a partial one
  const checkpoint = db.transaction(() => {
    log.append(Array.from({ length: SIZE }, (_, i) => utf8(`commitment ${i}`)));
    return log.checkpoint(ORIGIN, [signer], 1_790_000_000);
  })();
  const dir = publish(log, checkpoint.note);

  it('recomputes our root from the tiles and checks the checkpoint signature', () => {
    expect(verifyWithPython(dir)).toEqual({
      status: 0,
      out: `${SIZE} ${toHex(checkpoint.root)} 0`,
    });
  });

  it('refuses a tampered entry, a forged checkpoint and another log’s checkpoint', () => {
    const bundle = join(dir, tilePath('entries', 1));
    const original = readFileSync(bundle);
    const tampered = Buffer.from(original);
    tampered[10]! ^= 1;
    writeFileSync(bundle, tampered);
    expect(verifyWithPython(dir)).toEqual({
      status: 1,
      out: 'invalid: entry 256 does not hash to its leaf',
    });
    writeFileSync(bundle, original);

    const other = testKey('not the log key');
    const forged = formatVerifierKey(ORIGIN, other.publicKey);
    expect(verifyWithPython(dir, forged).out).toBe(
      'invalid: the checkpoint is not signed by the log key',
    );
    expect(verifyWithPython(dir, VERIFIER, 'other.example/log').out).toBe(
      "invalid: another log's checkpoint",
    );
    const note = readFileSync(join(dir, 'checkpoint'), 'utf8');
    writeFileSync(join(dir, 'checkpoint'), note.replace(`\n${SIZE}\n`, `\n${SIZE - 1}\n`));
    expect(verifyWithPython(dir).out).toBe("invalid: the log's signature does not verify");
  });
});
