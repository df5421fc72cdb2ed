/**
 * Streaming ERP file reader: CSV (any delimiter, quoted fields, BOM, CRLF) through csv-parse,
 * or JSON Lines; UTF-8, Windows-1252 or ISO-8859-1 through iconv-lite. Yields one record at a
 * time with its 1-based line number in the file, so memory does not grow with the file.
 * Bounded: a line longer than MAX_LINE_CHARS is reported as that line's error and the rest of
 * the file is read on (memory stays bounded whatever the file holds); a CSV record spanning
 * lines may hold at most MAX_RECORD_CHARS.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';

export type Encoding = 'utf-8' | 'windows-1252' | 'iso-8859-1';
export type Format = 'csv' | 'jsonl';

export interface RowRecord {
  line: number;
  /** The record as read, or undefined when the line itself could not be read. */
  record?: Record<string, unknown>;
  /** Why the line could not be read (bad JSON, wrong number of CSV columns). */
  error?: string;
}

/** Guesses the CSV delimiter from the header line: the most frequent of , ; tab | outside quotes. */
export function sniffDelimiter(headerLine: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
    ['|', 0],
  ]);
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]![1] > 0
    ? [...counts].sort((a, b) => b[1] - a[1])[0]![0]
    : ',';
}

/** Longest line read (characters): an ERP row is a few hundred. */
export const MAX_LINE_CHARS = 64 * 1024;
/** Longest CSV record (characters), over all the lines a quoted field may span. */
export const MAX_RECORD_CHARS = 1024 * 1024;

/** Stands in for an overlong line, so the parser sees one line there and the reader reports it. */
const OVERLONG = '\u0000hallmark:overlong-line';

/**
 * The lines of a text stream (each with its trailing '\r', if any), never holding more than
 * `max` characters of one line: a longer line is yielded as `{ overlong: length, quotes }` and
 * its text dropped as it streams by.
 */
export async function* boundedLines(
  input: AsyncIterable<string | Buffer>,
  max = MAX_LINE_CHARS,
): AsyncGenerator<{ text: string } | { overlong: number; quotes: number }> {
  let pending = '';
  let dropped = -1; // characters of the overlong line dropped so far; -1: not dropping
  let quotes = 0;
  const count = (s: string) => s.split('"').length - 1;
  for await (const chunk of input) {
    let text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    while (text.length > 0) {
      const newline = text.indexOf('\n');
      const piece = newline < 0 ? text : text.slice(0, newline);
      text = newline < 0 ? '' : text.slice(newline + 1);
      if (dropped >= 0) {
        dropped += piece.length;
        quotes += count(piece);
      } else if (pending.length + piece.length > max) {
        dropped = pending.length + piece.length;
        quotes = count(pending) + count(piece);
        pending = '';
      } else pending += piece;
      if (newline < 0) break;
      if (dropped >= 0) yield { overlong: dropped, quotes };
      else yield { text: pending };
      pending = '';
      dropped = -1;
      quotes = 0;
    }
  }
  if (dropped >= 0) yield { overlong: dropped, quotes };
  else if (pending.length > 0) yield { text: pending };
}

function decoded(path: string, encoding: Encoding): NodeJS.ReadableStream {
  const raw = createReadStream(path);
  return encoding === 'utf-8'
    ? raw.pipe(iconv.decodeStream('utf-8', { stripBOM: true }))
    : raw.pipe(iconv.decodeStream(encoding));
}

async function firstLine(path: string, encoding: Encoding): Promise<string> {
  const stream = decoded(path, encoding);
  for await (const line of boundedLines(stream as AsyncIterable<string>)) {
    (stream as unknown as { destroy?: () => void }).destroy?.();
    return 'text' in line ? line.text : '';
  }
  return '';
}

/** Reads the file's records. The CSV header is returned through `onHeader` before any row. */
export async function* readRows(
  path: string,
  options: {
    format: Format;
    encoding: Encoding;
    delimiter?: string;
    onHeader?: (columns: string[]) => void;
  },
): AsyncGenerator<RowRecord> {
  if (options.format === 'jsonl') {
    let line = 0;
    for await (const item of boundedLines(
      decoded(path, options.encoding) as AsyncIterable<string>,
    )) {
      line++;
      if ('overlong' in item) {
        yield {
          line,
          error: `is ${item.overlong} characters long, over the ${MAX_LINE_CHARS} allowed`,
        };
        continue;
      }
      const text = item.text;
      if (text.trim() === '') continue;
      try {
        const value: unknown = JSON.parse(text);
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          yield { line, error: 'is not a JSON object' };
        else yield { line, record: value as Record<string, unknown> };
      } catch (error) {
        yield { line, error: `is not valid JSON (${(error as Error).message})` };
      }
    }
    return;
  }
  const delimiter = options.delimiter ?? sniffDelimiter(await firstLine(path, options.encoding));
  // Lines are bounded before csv-parse sees them: its own record limit stops the whole parse,
  // which would lose the valid rows after one bad line. An overlong line becomes a marker line
  // with the same parity of quotes, so a quoted field it was part of still closes.
  const lengths = new Map<number, number>();
  const bounded = Readable.from(
    (async function* () {
      let n = 0;
      for await (const item of boundedLines(
        decoded(path, options.encoding) as AsyncIterable<string>,
      )) {
        n++;
        if ('text' in item) yield `${item.text}\n`;
        else {
          lengths.set(n, item.overlong);
          yield `${OVERLONG}${item.quotes % 2 === 1 ? '"' : ''}\n`;
        }
      }
    })(),
  );
  const parser = bounded.pipe(
    parse({
      max_record_size: MAX_RECORD_CHARS,
      delimiter,
      columns: (header: string[]) => {
        const columns = header.map((c) => c.trim());
        options.onHeader?.(columns);
        return columns;
      },
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_quotes: true,
      // A row with the wrong number of fields is reported, not fatal.
      relax_column_count: true,
      info: true,
    }),
  );
  let width = -1;
  for await (const item of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number; columns: unknown[] | boolean };
  }>) {
    const line = item.info.lines;
    if (width < 0 && Array.isArray(item.info.columns)) width = item.info.columns.length;
    const fields = Object.keys(item.record).length;
    if (Object.values(item.record).some((v) => typeof v === 'string' && v.includes(OVERLONG))) {
      const length = lengths.get(line);
      yield {
        line,
        error: `is ${length ?? 'over ' + MAX_LINE_CHARS} characters long, over the ${MAX_LINE_CHARS} allowed`,
      };
      continue;
    }
    if (width > 0 && fields !== width) {
      yield { line, error: `has ${fields} fields, the header has ${width}` };
      continue;
    }
    yield { line, record: item.record };
  }
}
