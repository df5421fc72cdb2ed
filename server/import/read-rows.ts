/**
 * Streaming ERP file reader: CSV (any delimiter, quoted fields, BOM, CRLF) through csv-parse,
 * or JSON Lines; UTF-8, Windows-1252 or ISO-8859-1 through iconv-lite. Yields one record at a
 * time with its 1-based line number in the file, so memory does not grow with the file.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
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

function decoded(path: string, encoding: Encoding): NodeJS.ReadableStream {
  const raw = createReadStream(path);
  return encoding === 'utf-8'
    ? raw.pipe(iconv.decodeStream('utf-8', { stripBOM: true }))
    : raw.pipe(iconv.decodeStream(encoding));
}

async function firstLine(path: string, encoding: Encoding): Promise<string> {
  const lines = createInterface({ input: decoded(path, encoding), crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return line;
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
    for await (const text of createInterface({
      input: decoded(path, options.encoding),
      crlfDelay: Infinity,
    })) {
      line++;
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
  const parser = decoded(path, options.encoding).pipe(
    parse({
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
    if (width > 0 && fields !== width) {
      yield { line, error: `has ${fields} fields, the header has ${width}` };
      continue;
    }
    yield { line, record: item.record };
  }
}
