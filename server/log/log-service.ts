/**
 * The issuance log's identity and publishing: its origin and key (fixed when the log is
 * created), the backfill of certificates issued before it, signed checkpoints at least once
 * a second while it grows, and witness cosignatures collected with the C2SP tlog-witness
 * protocol (`add-checkpoint`).
 */
import type { Logger } from 'pino';
import { parseCheckpointText } from '../../shared/tlog/checkpoint.ts';
import { parseCosignerKey, verifyCosignatures } from '../../shared/tlog/cosignature.ts';
import { certificateEntry } from '../../shared/tlog/entry.ts';
import {
  b64,
  formatVerifierKey,
  noteSigner,
  parseNote,
  type NoteSigner,
  type NoteVerifier,
} from '../../shared/tlog/note.ts';
import { signingKeyFromSeed } from '../keys/signing-key.ts';
import { sha256Text } from './hash.ts';
import type { Registry } from '../registry/registry.ts';

/** The registry secret the log key's seed is kept in (sealed like the signing keys). */
const LOG_KEY_SECRET = 'log-key';

/** A log origin: a schema-less URL, no spaces and no '+' (it is also the key name). */
export const ORIGIN = /^[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~-]+)*$/;

/** The origin of the log served under `publicUrl`: its host and path, then `log`. */
export function logOriginFor(publicUrl: string): string {
  const url = new URL(publicUrl);
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return `${url.host}${path}log`;
}

/** The log's public identity, as stored: readable without the key passphrase. */
export interface LogSettings {
  origin: string;
  /** The verifier key of checkpoints (signed-note form). */
  vkey: string;
}

export function readLogSettings(registry: Pick<Registry, 'db'>): LogSettings | undefined {
  return registry.db.prepare('SELECT origin, vkey FROM log_settings WHERE id = 1').get() as
    LogSettings | undefined;
}

/** The log's key, able to sign checkpoints. */
export interface LogIdentity extends LogSettings {
  signer: NoteSigner;
}

/**
 * Opens the log's identity, creating it on first use with `origin`. A log's origin never
 * changes (clients pin it): a different `origin` for an existing log is refused when
 * `strictOrigin` (an explicit HALLMARK_LOG_ORIGIN), and otherwise the stored one is kept.
 * @throws Error on a conflicting origin; SealError on a wrong passphrase
 */
export function openLogIdentity(
  registry: Pick<Registry, 'db' | 'secrets'>,
  origin: string,
  now: number,
  strictOrigin = false,
): LogIdentity {
  if (!ORIGIN.test(origin)) throw new Error(`log origin ${JSON.stringify(origin)} is not valid`);
  const key = signingKeyFromSeed(registry.secrets.get(LOG_KEY_SECRET, now));
  let settings = readLogSettings(registry);
  if (!settings) {
    registry.db
      .prepare(
        'INSERT INTO log_settings (id, origin, vkey, created_at) VALUES (1, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(origin, formatVerifierKey(origin, key.publicKey), now);
    settings = readLogSettings(registry)!;
  }
  if (strictOrigin && settings.origin !== origin)
    throw new Error(
      `the log's origin is ${settings.origin}; it cannot become ${origin} (clients pin it)`,
    );
  const signer = noteSigner(settings.origin, key);
  if (formatVerifierKey(settings.origin, key.publicKey) !== settings.vkey)
    throw new Error('the stored log key does not match the registry secret');
  return { ...settings, signer };
}

/**
 * Gives every certificate written before the log existed its entry, oldest first, in one
 * transaction. Their printed cards carry no index; the log still holds them for monitors.
 * @returns how many were added
 */
export function backfillLog(registry: Pick<Registry, 'db' | 'log'>): number {
  const { db, log } = registry;
  const pending = () =>
    db.prepare('SELECT id, jws FROM certificates WHERE log_index IS NULL ORDER BY id').all() as {
      id: number;
      jws: string;
    }[];
  if (pending().length === 0) return 0;
  const setIndex = db.prepare('UPDATE certificates SET log_index = ? WHERE id = ?');
  return db
    .transaction(() => {
      const rows = pending();
      const indexes = log.append(
        rows.map((r) => certificateEntry(r.jws, sha256Text)),
        rows.map((r) => r.id),
      );
      rows.forEach((r, i) => setIndex.run(indexes[i], r.id));
      return rows.length;
    })
    .immediate();
}

/**
 * Signs a checkpoint of the current tree when it grew (or none exists yet).
 * @returns the new checkpoint's note, or undefined when the latest one is current
 */
export function publishCheckpoint(
  registry: Pick<Registry, 'db' | 'log'>,
  identity: LogIdentity,
  now: number,
): { size: number; note: string } | undefined {
  return registry.db
    .transaction(() => {
      const latest = registry.log.latestCheckpoint();
      const size = registry.log.size();
      if (latest !== undefined && parseCheckpointText(parseNote(latest).text).size >= size)
        return undefined;
      const { note } = registry.log.checkpoint(identity.origin, [identity.signer], now);
      return { size, note };
    })
    .immediate();
}

/** A witness the log asks for cosignatures: its key and its submission prefix. */
export interface WitnessEndpoint {
  key: NoteVerifier;
  url: string;
}

/**
 * Parses witnesses as `<witness vkey>@<submission prefix URL>` items, separated by
 * whitespace or ';'. @throws Error naming the bad item
 */
export function parseWitnessList(text: string): WitnessEndpoint[] {
  return text
    .split(/[;\s]+/)
    .filter((item) => item !== '')
    .map((item) => {
      const at = item.indexOf('@');
      if (at < 0) throw new Error(`"${item}" is not <witness key>@<URL>`);
      const url = item.slice(at + 1);
      if (!/^https?:\/\/[^\s@]+$/.test(url)) throw new Error(`"${url}" is not an http(s) URL`);
      return { key: parseCosignerKey(item.slice(0, at)), url: url.replace(/\/+$/, '') };
    });
}

/**
 * Asks one witness to cosign the checkpoint of `size` (tlog-witness add-checkpoint), with a
 * consistency proof from the size it cosigned last, and adds its cosignature to the stored
 * checkpoint. A 409 tells the size the witness holds: the request is retried once from it.
 * @returns true when the witness cosigned
 */
export async function submitToWitness(
  registry: Pick<Registry, 'db' | 'log'>,
  witness: WitnessEndpoint,
  size: number,
  note: string,
): Promise<boolean> {
  const { db, log } = registry;
  let old =
    (db
      .prepare('SELECT size FROM log_witness_state WHERE name = ?')
      .pluck()
      .get(witness.key.name) as number | undefined) ?? 0;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (old > size) return false;
    const proof = log.consistencyProof(old, size);
    const body = `old ${old}\n${proof.map((h) => `${b64(h)}\n`).join('')}\n${note}`;
    const response = await fetch(`${witness.url}/add-checkpoint`, {
      method: 'POST',
      body,
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    if (response.status === 409 && /^(0|[1-9][0-9]*)\n$/.test(text)) {
      old = Number(text.trim());
      continue;
    }
    if (response.status !== 200)
      throw new Error(`witness ${witness.key.name}: ${response.status} ${text.trim()}`);
    const lines = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `${l}\n`);
    // Keep only lines that verify as this witness's cosignature on this very checkpoint.
    const mine = lines.filter((line) => {
      try {
        return verifyCosignatures(note + line, [witness.key]).length === 1;
      } catch {
        return false;
      }
    });
    if (mine.length === 0) throw new Error(`witness ${witness.key.name} sent no valid cosignature`);
    db.transaction(() => {
      const current = db
        .prepare('SELECT note FROM log_checkpoints WHERE size = ?')
        .pluck()
        .get(size) as string;
      db.prepare('UPDATE log_checkpoints SET note = ? WHERE size = ?').run(current + mine[0], size);
      db.prepare(
        'INSERT INTO log_witness_state (name, size) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET size = excluded.size',
      ).run(witness.key.name, size);
    })();
    return true;
  }
  return false;
}

/** The witnesses the log asks, as stored. */
export function readLogWitnesses(registry: Pick<Registry, 'db'>): WitnessEndpoint[] {
  const text = registry.db
    .prepare('SELECT witnesses FROM log_settings WHERE id = 1')
    .pluck()
    .get() as string | undefined;
  return parseWitnessList(text ?? '');
}

/**
 * Sets the log's witnesses and the quorum verifiers are to require (it reaches them with the
 * next signed trust list). @throws Error on a bad item, a quorum above the witness count, or
 * a log that does not exist yet
 */
export function setLogWitnesses(
  registry: Pick<Registry, 'db'>,
  witnesses: readonly string[],
  quorum: number,
): WitnessEndpoint[] {
  const parsed = parseWitnessList(witnesses.join(' '));
  if (new Set(parsed.map((w) => w.key.name)).size !== parsed.length)
    throw new Error('a witness is listed twice');
  if (!Number.isInteger(quorum) || quorum < 0 || quorum > parsed.length)
    throw new Error(`the quorum must be from 0 to the number of witnesses (${parsed.length})`);
  const { changes } = registry.db
    .prepare('UPDATE log_settings SET witnesses = ?, quorum = ? WHERE id = 1')
    .run(witnesses.join(' '), quorum);
  if (changes === 0) throw new Error('the log does not exist yet: start the service once');
  return parsed;
}

export interface LogPublisher {
  /** Publishes now if the log grew, and asks the witnesses. */
  publish(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Publishes a checkpoint every `intervalMs` while the log grows, and collects witness
 * cosignatures on each (one request per witness at a time; a slow witness delays only its
 * own cosignature, never issuing).
 */
export function startLogPublisher(
  registry: Pick<Registry, 'db' | 'log' | 'now'>,
  identity: LogIdentity,
  options: {
    logger: Logger;
    intervalMs?: number;
    /** Whether this process is the log's one publisher now (several nodes: leader.ts). */
    leads?: () => boolean;
  },
): LogPublisher {
  const busy = new Set<string>();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const ask = async (witness: WitnessEndpoint) => {
    if (busy.has(witness.key.name)) return;
    busy.add(witness.key.name);
    try {
      // Always the newest checkpoint: a witness that fell behind catches up in one step.
      const note = registry.log.latestCheckpoint();
      if (note === undefined) return;
      const size = parseCheckpointText(parseNote(note).text).size;
      if (
        !parseNote(note).signatures.some(
          (s) => s.name === witness.key.name && s.id === witness.key.id,
        )
      )
        await submitToWitness(registry, witness, size, note);
    } catch (error) {
      options.logger.warn({ witness: witness.key.name, err: error }, 'witness did not cosign');
    } finally {
      busy.delete(witness.key.name);
    }
  };

  const publish = async () => {
    if (stopped || !(options.leads?.() ?? true)) return;
    try {
      const published = publishCheckpoint(registry, identity, registry.now());
      if (published) options.logger.debug({ size: published.size }, 'published a log checkpoint');
    } catch (error) {
      options.logger.error({ err: error }, 'log checkpoint failed');
    }
    let witnesses: WitnessEndpoint[] = [];
    try {
      witnesses = readLogWitnesses(registry);
    } catch (error) {
      options.logger.error({ err: error }, 'the stored witness list is invalid');
    }
    await Promise.all(witnesses.map(ask));
  };
  const timer = setInterval(() => {
    running = publish();
  }, options.intervalMs ?? 1000);
  timer.unref();
  running = publish();
  return {
    publish: () => (running = publish()),
    stop: async () => {
      clearInterval(timer);
      await running;
      // The last entries of a graceful stop get their checkpoint too.
      await publish();
      stopped = true;
    },
  };
}
