/**
 * The issuance log on the command line: the log policy options `verify` shares, `log show`,
 * `log proof` (C2SP tlog-proof), `log witnesses` (the registry's witness list), `log monitor`
 * (a brand's nightly watch over the log) and `log witness` (a C2SP tlog-witness server).
 */
import { renameSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Command } from 'commander';
import { asciiUpper } from '../../shared/claims.ts';
import { HallmarkError } from '../../shared/errors.ts';
import {
  advanceCheckpoint,
  openLogCheckpoint,
  proveInclusion,
  type LogPolicy,
  type TileFetch,
  type TrustedCheckpoint,
} from '../../shared/tlog/client.ts';
import { parseCheckpointText } from '../../shared/tlog/checkpoint.ts';
import { cosign, formatCosignerKey, parseCosignerKey } from '../../shared/tlog/cosignature.ts';
import { certificateEntry, certificateLeaf } from '../../shared/tlog/entry.ts';
import { verifyConsistency } from '../../shared/tlog/merkle.ts';
import { b64, openNote, parseNote, parseVerifierKey, unb64 } from '../../shared/tlog/note.ts';
import { formatTlogProof } from '../../shared/tlog/proof.ts';
import { TILE_WIDTH, tilePath } from '../../shared/tlog/tiles.ts';
import type { TrustList } from '../../shared/trust-list.ts';
import { equalBytes } from '../../shared/bytes.ts';
import { verify, type Verified } from '../../shared/verify.ts';
import { readKeyFile } from '../../server/keys/key-file.ts';
import { loadMapping } from '../../server/import/mapping.ts';
import { readRows } from '../../server/import/read-rows.mjs';
import {
  readLogSettings,
  readLogWitnesses,
  setLogWitnesses,
} from '../../server/log/log-service.ts';
import { CliError, fetchOk, intOption, parseJson, passphraseFromEnv, readInput } from './io.ts';
import { withRegistry } from './registry.ts';
import { trustSetFromOptions, trustOptions, type TrustOptions } from './trust.ts';

/** Exit codes of log checks, for scripts and alerting. */
export const EXIT = { ok: 0, problem: 1, usage: 2, notLogged: 4, splitView: 5 } as const;

export interface LogOptions {
  log?: string;
  logKey?: string;
  witness?: string[];
  quorum?: number;
  logState?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The options that say which log to check against, and what to trust about it. */
export function logOptions(command: Command): Command {
  return command
    .option('--log <url>', 'the issuance log prefix (https://host/log)')
    .option('--log-key <vkey>', "the log's verifier key (default: the one the trust list names)")
    .option(
      '--witness <vkey>',
      'a witness key to count (repeatable; default: the trust list)',
      collect,
    )
    .option(
      '--quorum <k>',
      'witness cosignatures required (default: the trust list)',
      intOption(0, 16),
    )
    .option(
      '--log-state <file>',
      'remember the largest checkpoint seen here, and check the next against it',
    );
}

/** The log policy from the options, else from the trust list. @throws CliError */
export function logPolicyFrom(opts: LogOptions, list: TrustList | undefined): LogPolicy {
  try {
    const fromList = list?.log;
    const logKey = opts.logKey ? parseVerifierKey(opts.logKey) : fromList?.logKey;
    if (!logKey)
      throw new CliError(
        'say which log key to trust: --log-key <vkey>, or a --trust-list that names the log',
      );
    const witnesses = opts.witness
      ? opts.witness.map(parseCosignerKey)
      : (fromList?.witnesses ?? []);
    const quorum = opts.quorum ?? fromList?.quorum ?? 0;
    if (quorum > witnesses.length)
      throw new CliError(`--quorum ${quorum} is more than the ${witnesses.length} witnesses known`);
    return { origin: logKey.name, logKey, witnesses, quorum };
  } catch (error) {
    if (error instanceof HallmarkError) throw new CliError(error.message);
    throw error;
  }
}

/** GETs `<prefix>/<path>` (10 s timeout). @throws CliError */
async function fetchBytes(prefix: string, path: string): Promise<Uint8Array> {
  const response = await fetchOk(`${prefix.replace(/\/+$/, '')}/${path}`);
  return new Uint8Array(await response.arrayBuffer());
}

export const httpTiles =
  (prefix: string): TileFetch =>
  (path) =>
    fetchBytes(prefix, path);

/** The log's newest checkpoint, opened under the policy. @throws CliError */
export async function fetchCheckpoint(
  prefix: string,
  policy: LogPolicy,
): Promise<TrustedCheckpoint> {
  const note = new TextDecoder().decode(await fetchBytes(prefix, 'checkpoint'));
  try {
    return openLogCheckpoint(note, policy);
  } catch (error) {
    throw new CliError(
      `the log's checkpoint is refused: ${(error as Error).message}`,
      EXIT.problem,
    );
  }
}

/** Writes a file atomically (temporary file, then rename). */
export function writeAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, path);
}

/** The checkpoint remembered in a state file, re-verified under the policy (it is a note). */
function heldCheckpoint(
  note: string | undefined,
  policy: LogPolicy,
): TrustedCheckpoint | undefined {
  if (note === undefined) return undefined;
  try {
    return openLogCheckpoint(note, { ...policy, quorum: 0 });
  } catch (error) {
    throw new CliError(`the saved checkpoint does not verify: ${(error as Error).message}`);
  }
}

/**
 * Fetches the newest checkpoint and proves it consistent with the one remembered (split-view
 * detection). @returns the larger of the two. @throws CliError with exit 5 on a split view
 */
export async function freshCheckpoint(
  prefix: string,
  policy: LogPolicy,
  heldNote: string | undefined,
): Promise<TrustedCheckpoint> {
  const fresh = await fetchCheckpoint(prefix, policy);
  const held = heldCheckpoint(heldNote, policy);
  try {
    return await advanceCheckpoint(httpTiles(prefix), held, fresh);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `SPLIT VIEW: the log's checkpoint of ${fresh.size} is not consistent with the one of ${held?.size} seen before (${(error as Error).message})`,
      EXIT.splitView,
    );
  }
}

/** Proves a verified certificate's inclusion; its log index from the QR, or `index`. */
export async function proveLogged(
  verified: Verified,
  prefix: string,
  checkpoint: TrustedCheckpoint,
  index: number | undefined,
): Promise<{ index: number; proof: Uint8Array[] }> {
  const at = index ?? verified.logIndex;
  if (at === undefined)
    throw new CliError(
      'this certificate carries no log index (a JWS, or a card printed before the log): pass --index <n>',
      EXIT.notLogged,
    );
  try {
    return {
      index: at,
      proof: await proveInclusion(httpTiles(prefix), checkpoint, at, certificateLeaf(verified.jws)),
    };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `NOT IN THE LOG: entry ${at} of ${checkpoint.origin} is not this certificate (${(error as Error).message})`,
      EXIT.notLogged,
    );
  }
}

interface VerifyStateFile {
  checkpoint?: string;
}

/** `verify --log`: inclusion against a fresh checkpoint, remembering the largest seen. */
export async function checkInLog(
  verified: Verified,
  opts: LogOptions & { index?: number },
  list: TrustList | undefined,
): Promise<{ index: number; checkpoint: TrustedCheckpoint; proof: Uint8Array[] }> {
  const policy = logPolicyFrom(opts, list);
  const state: VerifyStateFile =
    opts.logState && existsSync(opts.logState)
      ? (parseJson(readInput(opts.logState), opts.logState) as VerifyStateFile)
      : {};
  const checkpoint = await freshCheckpoint(opts.log!, policy, state.checkpoint);
  if (opts.logState)
    writeAtomically(opts.logState, `${JSON.stringify({ checkpoint: checkpoint.note })}\n`);
  const { index, proof } = await proveLogged(verified, opts.log!, checkpoint, opts.index);
  return { index, checkpoint, proof };
}

export function registerLogCommands(program: Command): void {
  const log = program.command('log').description('the public issuance log');

  log
    .command('show')
    .description("the registry's log: origin, verifier key, size, witnesses")
    .action(() =>
      withRegistry(
        (registry) => {
          const settings = readLogSettings(registry);
          if (!settings) throw new CliError('this registry has no log yet: start the service once');
          const witnesses = readLogWitnesses(registry);
          const quorum = registry.db
            .prepare('SELECT quorum FROM log_settings')
            .pluck()
            .get() as number;
          process.stdout.write(
            [
              `origin     ${settings.origin}`,
              `key        ${settings.vkey}`,
              `entries    ${registry.log.size()}`,
              ...witnesses.map(
                (w) => `witness    ${formatCosignerKey(w.key.name, w.key.publicKey)}@${w.url}`,
              ),
              `quorum     ${quorum}`,
            ].join('\n') + '\n',
          );
        },
        { needsKey: false },
      ),
    );

  log
    .command('witnesses')
    .description('set the witnesses the log asks to cosign, and the quorum verifiers require')
    .option(
      '--witness <vkey@url>',
      'a witness key and its submission URL (repeatable)',
      collect,
      [],
    )
    .option(
      '--quorum <k>',
      'cosignatures verifiers require (in the next trust list)',
      intOption(0, 16),
      0,
    )
    .action((opts: { witness: string[]; quorum: number }) =>
      withRegistry(
        (registry, _config, session) => {
          try {
            const set = setLogWitnesses(registry, opts.witness, opts.quorum);
            process.stdout.write(
              `the log asks ${set.length} witness(es); verifiers require ${opts.quorum}\n`,
            );
          } catch (error) {
            if (error instanceof HallmarkError || error instanceof Error)
              throw new CliError(error.message);
            throw error;
          }
          session.trustChanged();
        },
        { needsKey: false },
      ),
    );

  logOptions(
    trustOptions(
      log
        .command('proof')
        .description("print a certificate's C2SP tlog-proof (offline proof of inclusion)")
        .argument('<certificate>', 'the certificate (QR URL, digits or JWS), or - for stdin'),
    ),
  )
    .option(
      '--index <n>',
      'its log index (for a JWS, which carries none)',
      intOption(0, Number.MAX_SAFE_INTEGER),
    )
    .action(async (input: string, opts: TrustOptions & LogOptions & { index?: number }) => {
      if (!opts.log) throw new CliError('--log <url> is required');
      const { keys, list } = await trustSetFromOptions(opts);
      const verdict = verify(input === '-' ? readInput('-') : input, keys, { now: new Date() });
      if (!verdict.ok) throw new CliError(`not authentic: ${verdict.code}: ${verdict.message}`, 1);
      const { index, checkpoint, proof } = await checkInLog(verdict, opts, list);
      process.stdout.write(formatTlogProof({ index, proof, checkpoint: checkpoint.note }));
    });

  registerMonitor(log);
  registerWitness(log);
}

/** A certificate as the registry's monitor API lists it. */
interface MonitoredCertificate {
  index: number;
  issuer: string;
  serial: string;
  generation: number;
  status: string;
  jws: string;
}

interface MonitorState {
  checkpoint?: string;
  /** Next log index to read. */
  next: number;
  /** Certificates seen, by brand/serial. */
  serials: Record<string, { index: number; generation: number; status: string }[]>;
}

interface Finding {
  kind: 'duplicate' | 'not-in-erp' | 'unknown-key' | 'mismatch' | 'unaccounted' | 'split-view';
  message: string;
}

function registerMonitor(log: Command): void {
  logOptions(
    trustOptions(
      log
        .command('monitor')
        .description(
          'follow the log from a saved state: consistency, duplicate serials, serials not in the ERP, unknown keys (exit 1 on findings, 5 on a split view)',
        ),
    ),
  )
    .option('--state <file>', 'where the monitor keeps its place and what it has seen')
    .option('--erp <export>', "the brand's ERP export (CSV or JSON Lines): every serial made")
    .option('--erp-mapping <name|file>', 'the export column mapping (as for import)', 'default')
    .option(
      '--registry <url>',
      "the registry API (default: the log URL's origin); needs HALLMARK_TOKEN (scope read)",
    )
    .option(
      '--all-brands',
      "the token is the operator's: an entry no certificate accounts for is a finding",
    )
    .option('--json', 'print the findings as JSON lines')
    .action(
      async (
        opts: TrustOptions &
          LogOptions & {
            state?: string;
            erp?: string;
            erpMapping: string;
            registry?: string;
            allBrands?: boolean;
            json?: boolean;
          },
      ) => {
        if (!opts.log) throw new CliError('--log <url> is required');
        const { keys, list } = await trustSetFromOptions(opts);
        const policy = logPolicyFrom(opts, list);
        const state: MonitorState =
          opts.state && existsSync(opts.state)
            ? (parseJson(readInput(opts.state), opts.state) as MonitorState)
            : { next: 0, serials: {} };
        const findings: Finding[] = [];
        const say = (f: Finding) => {
          findings.push(f);
          process.stdout.write(
            opts.json ? `${JSON.stringify(f)}\n` : `${f.kind.toUpperCase()}  ${f.message}\n`,
          );
        };
        let checkpoint: TrustedCheckpoint;
        try {
          checkpoint = await freshCheckpoint(opts.log, policy, state.checkpoint);
        } catch (error) {
          if (error instanceof CliError && error.exitCode === EXIT.splitView)
            say({ kind: 'split-view', message: error.message });
          throw error;
        }
        const erp = opts.erp ? await readErpSerials(opts.erp, opts.erpMapping) : undefined;
        const token = process.env.HALLMARK_TOKEN;
        const registryUrl = opts.registry ?? new URL(opts.log).origin;
        const from = state.next;
        const to = checkpoint.size;
        // The log's own entries for the new range, from its entry bundles.
        const entries = await readEntries(opts.log, from, to, checkpoint.size);
        let accounted = 0;
        if (token) {
          for (let start = from; start < to; start += 1000) {
            const end = Math.min(to, start + 1000);
            const page = await fetchMonitorPage(registryUrl, token, start, end);
            for (const c of page) {
              accounted++;
              const entry = entries.get(c.index);
              if (!entry || !equalBytes(entry, certificateEntry(c.jws))) {
                say({
                  kind: 'mismatch',
                  message: `log entry ${c.index} is not the registry's certificate ${c.issuer} ${c.serial}`,
                });
                continue;
              }
              const verdict = verify(c.jws, keys, { now: new Date() });
              if (!verdict.ok) {
                say({
                  kind: 'unknown-key',
                  message: `entry ${c.index} (${c.issuer} ${c.serial}) does not verify under the trust list: ${verdict.code}`,
                });
              }
              const id = `${c.issuer}/${c.serial}`;
              (state.serials[id] ??= []).push({
                index: c.index,
                generation: c.generation,
                status: c.status,
              });
              if (erp && !erp.has(`${c.issuer}/${c.serial}`) && !erp.has(`*/${c.serial}`))
                say({
                  kind: 'not-in-erp',
                  message: `entry ${c.index}: ${c.issuer} ${c.serial} is not in the ERP export`,
                });
            }
          }
          // Duplicates among everything seen so far, for serials touched in this run.
          const touched = new Set<string>();
          for (const [id, seen] of Object.entries(state.serials))
            if (seen.some((s) => s.index >= from)) touched.add(id);
          for (const id of touched) {
            const live = state.serials[id]!.filter(
              (s) => s.status !== 'replaced' && s.status !== 'revoked',
            );
            if (live.length > 1)
              say({
                kind: 'duplicate',
                message: `${id.replace('/', ' ')} has ${live.length} live certificates (log entries ${live.map((s) => s.index).join(', ')})`,
              });
          }
          if (opts.allBrands && accounted < to - from)
            say({
              kind: 'unaccounted',
              message: `${to - from - accounted} log entries between ${from} and ${to} have no certificate in the registry`,
            });
        } else {
          process.stderr.write(
            "no HALLMARK_TOKEN: checked the log's consistency only, not its certificates\n",
          );
        }
        state.checkpoint = checkpoint.note;
        state.next = to;
        if (opts.state) writeAtomically(opts.state, `${JSON.stringify(state)}\n`);
        process.stderr.write(
          `checked entries ${from}..${to} of ${checkpoint.origin} (checkpoint consistent with the last seen): ${findings.length} finding(s)\n`,
        );
        process.exitCode = findings.length > 0 ? EXIT.problem : EXIT.ok;
      },
    );
}

/** The log's entries at [from, to), from the entry bundles of the tree of `size`. */
async function readEntries(
  prefix: string,
  from: number,
  to: number,
  size: number,
): Promise<Map<number, Uint8Array>> {
  const entries = new Map<number, Uint8Array>();
  for (let n = Math.floor(from / TILE_WIDTH); n * TILE_WIDTH < to; n++) {
    const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
    const bundle = await fetchBytes(prefix, tilePath('entries', n, width));
    let at = 0;
    for (let i = 0; i < width; i++) {
      if (at + 2 > bundle.length)
        throw new CliError(`entry bundle ${n} is truncated`, EXIT.problem);
      const length = (bundle[at]! << 8) | bundle[at + 1]!;
      entries.set(n * TILE_WIDTH + i, bundle.slice(at + 2, at + 2 + length));
      at += 2 + length;
    }
  }
  return entries;
}

async function fetchMonitorPage(
  registryUrl: string,
  token: string,
  from: number,
  to: number,
): Promise<MonitoredCertificate[]> {
  const url = `${registryUrl.replace(/\/+$/, '')}/api/v1/log/certificates?from=${from}&to=${to}`;
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  }).catch((error: Error) => {
    throw new CliError(`cannot reach the registry at ${url}: ${error.message}`);
  });
  if (!response.ok) throw new CliError(`the registry answered ${response.status} at ${url}`);
  const body = (await response.json()) as { certificates: MonitoredCertificate[] };
  return body.certificates.filter((c) => c.index >= from && c.index < to);
}

/** Serials of an ERP export, as `<brand>/<serial>` (`*` when the export names no brand). */
async function readErpSerials(path: string, mappingName: string): Promise<Set<string>> {
  const mapping = loadMapping(mappingName);
  const serials = new Set<string>();
  const format = /\.jsonl?$/i.test(path) ? 'jsonl' : 'csv';
  for await (const row of readRows(path, { format, encoding: 'auto' })) {
    const serial = row.record?.[mapping.columns.serial];
    if (typeof serial !== 'string' || serial.trim() === '') continue;
    const issuerColumn = mapping.columns.issuer;
    const issuer = issuerColumn ? row.record?.[issuerColumn] : undefined;
    serials.add(
      `${typeof issuer === 'string' && issuer.trim() !== '' ? asciiUpper(issuer) : '*'}/${asciiUpper(serial)}`,
    );
  }
  if (serials.size === 0)
    throw new CliError(`${path}: no serials found (column ${mapping.columns.serial})`);
  return serials;
}

interface WitnessState {
  [origin: string]: { size: number; root: string };
}

function registerWitness(log: Command): void {
  log
    .command('witness')
    .description(
      'run a C2SP tlog-witness: cosign checkpoints only after checking consistency with the last one cosigned',
    )
    .requiredOption(
      '--key <file>',
      'the witness signing key file (hallmark keys generate; HALLMARK_KEY_PASSPHRASE)',
    )
    .requiredOption('--name <name>', 'the witness name, a schema-less URL (witness.example/w1)')
    .requiredOption(
      '--log-key <vkey>',
      'the verifier key of the log to witness (repeatable)',
      collect,
    )
    .requiredOption(
      '--state <file>',
      'where the witness persists the last checkpoint cosigned, per log',
    )
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:0')
    .action(
      async (opts: {
        key: string;
        name: string;
        logKey: string[];
        state: string;
        listen: string;
      }) => {
        const { key } = readKeyFile(opts.key, passphraseFromEnv());
        let vkey: string;
        let logKeys;
        try {
          vkey = formatCosignerKey(opts.name, key.publicKey);
          logKeys = opts.logKey.map(parseVerifierKey);
        } catch (error) {
          throw new CliError((error as Error).message);
        }
        const witness = { ...parseCosignerKey(vkey), sign: key.sign };
        const m = /^(.+):([0-9]{1,5})$/.exec(opts.listen);
        if (!m) throw new CliError('--listen must be host:port');
        let queue: Promise<unknown> = Promise.resolve();
        const server = createServer((req, res) => {
          const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
            res.writeHead(status, { 'content-type': type });
            res.end(body);
          };
          if (req.method !== 'POST' || req.url !== '/add-checkpoint')
            return reply(404, 'not found\n');
          const chunks: Buffer[] = [];
          let size = 0;
          req.on('data', (c: Buffer) => {
            size += c.length;
            if (size > 64 * 1024) req.destroy();
            else chunks.push(c);
          });
          req.on('end', () => {
            // One request at a time: check-and-persist is atomic (the spec's rollback race).
            queue = queue.then(() => {
              const [status, body, type] = addCheckpoint(
                Buffer.concat(chunks).toString('utf8'),
                logKeys,
                witness,
                opts.state,
              );
              reply(status, body, type);
            });
          });
        });
        await new Promise<void>((resolve) => server.listen(Number(m[2]), m[1], resolve));
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : Number(m[2]);
        process.stdout.write(`witness ${vkey} listening on http://${m[1]}:${port}\n`);
        await new Promise<void>((resolve) => {
          const stop = () => server.close(() => resolve());
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
      },
    );
}

/** The tlog-witness add-checkpoint rules: [status, body, content type]. */
function addCheckpoint(
  body: string,
  logKeys: ReturnType<typeof parseVerifierKey>[],
  witness: ReturnType<typeof parseCosignerKey> & { sign: (m: Uint8Array) => Uint8Array },
  statePath: string,
): [number, string, string?] {
  const split = body.indexOf('\n\n');
  if (split < 0) return [400, 'no empty line before the checkpoint\n'];
  const head = body.slice(0, split).split('\n');
  const note = body.slice(split + 2);
  const old = /^old (0|[1-9][0-9]*)$/.exec(head[0] ?? '');
  if (!old) return [400, 'the first line must be "old <size>"\n'];
  if (head.length - 1 > 63) return [400, 'too many proof lines\n'];
  let proof: Uint8Array[];
  let text: string;
  try {
    proof = head.slice(1).map((line) => {
      const h = unb64(line);
      if (h.length !== 32) throw new Error('not a hash');
      return h;
    });
    text = parseNote(note).text;
  } catch {
    return [400, 'malformed proof or checkpoint\n'];
  }
  let checkpoint;
  try {
    checkpoint = parseCheckpointText(text);
  } catch {
    return [400, 'not a checkpoint\n'];
  }
  const keys = logKeys.filter((k) => k.name === checkpoint.origin);
  if (keys.length === 0) return [404, 'unknown log origin\n'];
  try {
    openNote(note, keys);
  } catch {
    return [403, 'the checkpoint is not signed by the log\n'];
  }
  const oldSize = Number(old[1]);
  if (oldSize > checkpoint.size) return [400, 'old size is larger than the checkpoint\n'];
  const state: WitnessState = existsSync(statePath)
    ? (JSON.parse(readInput(statePath)) as WitnessState)
    : {};
  const held = state[checkpoint.origin];
  if ((held?.size ?? 0) !== oldSize) return [409, `${held?.size ?? 0}\n`, 'text/x.tlog.size'];
  const empty = b64(new Uint8Array(32)); // placeholder, replaced below when a tree is held
  try {
    if (checkpoint.size === 0) {
      const emptyRoot = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
      if (b64(checkpoint.root) !== emptyRoot) return [422, 'the empty tree has another root\n'];
    }
    if (oldSize === 0) {
      if (proof.length !== 0) return [422, 'a proof from the empty tree must be empty\n'];
    } else {
      verifyConsistency(
        oldSize,
        checkpoint.size,
        proof,
        unb64(held?.root ?? empty),
        checkpoint.root,
      );
    }
  } catch {
    return [422, 'the checkpoint is not consistent with the last one cosigned\n'];
  }
  state[checkpoint.origin] = { size: checkpoint.size, root: b64(checkpoint.root) };
  writeAtomically(statePath, `${JSON.stringify(state)}\n`);
  return [200, cosign(text, witness, Math.floor(Date.now() / 1000))];
}
