/**
 * Log checkpoints (C2SP tlog-checkpoint): the note text `<origin>\n<size>\n<base64 root>\n`,
 * signed as a note by the log's key (and cosigned by witnesses).
 */
import { ErrorCode, HallmarkError } from '../errors.ts';
import { openNote, type NoteVerifier } from './note.ts';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
}

/** The note text of a checkpoint. */
export function checkpointText(c: Checkpoint): string {
  if (c.root.length !== 32) throw invalid('a root hash is 32 bytes');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw invalid('a tree size is a whole number');
  return `${c.origin}\n${c.size}\n${btoa(String.fromCharCode(...c.root))}\n`;
}

/** Parses a checkpoint's note text (extension lines are refused: we write none). */
export function parseCheckpointText(text: string): Checkpoint {
  const m = /^([^\n]+)\n(0|[1-9][0-9]{0,15})\n([A-Za-z0-9+/]{43}=)\n$/.exec(text);
  if (!m) throw invalid('not a checkpoint: origin, tree size, root hash');
  const size = Number(m[2]);
  if (!Number.isSafeInteger(size)) throw invalid('tree size out of range');
  return { origin: m[1]!, size, root: Uint8Array.from(atob(m[3]!), (ch) => ch.charCodeAt(0)) };
}

/**
 * Verifies a signed checkpoint by `origin`'s log key.
 * @throws HallmarkError NOTE_INVALID (signature, format, or another log's origin)
 */
export function openCheckpoint(
  note: string,
  origin: string,
  logKeys: readonly NoteVerifier[],
): Checkpoint & { note: string } {
  const { text } = openNote(note, logKeys);
  const checkpoint = parseCheckpointText(text);
  if (checkpoint.origin !== origin)
    throw invalid(`a checkpoint of ${checkpoint.origin}, not of ${origin}`);
  return { ...checkpoint, note };
}

function invalid(message: string): HallmarkError {
  return new HallmarkError(ErrorCode.NOTE_INVALID, message);
}
