/**
 * Streaming ERP file reader: CSV (any delimiter, quoted fields, BOM, CRLF) through csv-parse,
 * or JSON Lines; UTF-8, Windows-1252 or ISO-8859-1 through iconv-lite. Yields one record at a
 * time with its 1-based line number in the file, so memory does not grow with the file.
 * Bounded: a line longer than MAX_LINE_CHARS is reported as that line's error and the rest of
 * the file is read on (memory stays bounded whatever the file holds); a CSV record spanning
 * lines may hold at most MAX_RECORD_CHARS.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';

// Plain JavaScript, so that the reader's worker thread loads it as it is; types in
// read-rows.d.mts.

/** Guesses the CSV delimiter from the header line: the most frequent of , ; tab | outside quotes. */
export function sniffDelimiter(headerLine) {
  const counts = new Map([
    [',', 0],
    [';', 0],
    ['\t', 0],
    ['|', 0],
  ]);
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0][1] > 0
    ? [...counts].sort((a, b) => b[1] - a[1])[0][0]
    : ',';
}

/** Longest line read (characters): an ERP row is a few hundred. */
export const MAX_LINE_CHARS = 64 * 1024;
/** Longest CSV record (characters), over all the lines a quoted field may span. */
export const MAX_RECORD_CHARS = 1024 * 1024;

/** Text handed to the CSV parser at a time. */
const BLOCK_CHARS = 64 * 1024;

/** Stands in for an overlong line, so the parser sees one line there and the reader reports it. */
const OVERLONG = '\u0000hallmark:overlong-line';

/**
 * The lines of a text stream (each with its trailing '\r', if any), never holding more than
 * `max` characters of one line: a longer line is yielded as `{ overlong: length, quotes }` and
 * its text dropped as it streams by.
 */
export async function* boundedLines(input, max = MAX_LINE_CHARS) {
  let pending = '';
  let dropped = -1; // characters of the overlong line dropped so far; -1: not dropping
  let quotes = 0;
  const count = (s) => s.split('"').length - 1;
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

function decoded(path, encoding) {
  // A byte order mark is dropped (iconv-lite's default), in every encoding.
  return createReadStream(path).pipe(iconv.decodeStream(encoding, { stripBOM: true }));
}

const BOMS = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8', name: 'UTF-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le', name: 'UTF-16LE' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be', name: 'UTF-16BE' },
];

/** A problem with the file itself, reported as one line (the CLI exits 2). */
export class FileProblem extends Error {
  code = 'HALLMARK_FILE';
}

/**
 * The file's encoding: `auto` reads it from the byte order mark (UTF-8, UTF-16LE or UTF-16BE;
 * Excel's "Unicode Text" export is UTF-16LE with one), or from the zero bytes that UTF-16 text
 * in Latin script has without one, else takes UTF-8. An encoding named explicitly is used as
 * named, unless the file's byte order mark says another: then the file is refused, not read
 * as garbage.
 */
export async function resolveEncoding(path, requested = 'auto') {
  const handle = await open(path, 'r');
  let head;
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const bom = BOMS.find((b) => b.bytes.every((byte, i) => head[i] === byte));
  if (requested !== 'auto') {
    if (bom && bom.encoding !== requested)
      throw new FileProblem(
        `${path} starts with a ${bom.name} byte order mark: it is not ${requested} (leave --encoding out to read it as ${bom.name})`,
      );
    return requested;
  }
  if (bom) return bom.encoding;
  if (head.length >= 4 && head[0] !== 0 && head[1] === 0 && head[2] !== 0 && head[3] === 0)
    return 'utf-16le';
  if (head.length >= 4 && head[0] === 0 && head[1] !== 0 && head[2] === 0 && head[3] !== 0)
    return 'utf-16be';
  return 'utf-8';
}

async function firstLine(path, encoding) {
  const stream = decoded(path, encoding);
  for await (const line of boundedLines(stream)) {
    stream.destroy?.();
    return 'text' in line ? line.text : '';
  }
  return '';
}

/** Reads the file's records. The CSV header is returned through `onHeader` before any row. */
export async function* readRows(path, requested) {
  for await (const batch of readRowBatches(path, requested)) yield* batch;
}

/**
 * The records of a stream in arrays, as many as it holds at each wake-up: one promise per
 * batch instead of one per record (which costs more than parsing a short CSV line).
 */
async function* streamBatches(stream) {
  let ended = false;
  let failure;
  let wake;
  const rouse = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('readable', rouse);
  stream.on('end', () => {
    ended = true;
    rouse();
  });
  stream.on('error', (error) => {
    failure = error;
    rouse();
  });
  for (;;) {
    const batch = [];
    let item;
    while ((item = stream.read()) !== null) batch.push(item);
    if (batch.length > 0) yield batch;
    if (failure) throw failure;
    if (ended) return;
    if (stream.readableLength === 0)
      await new Promise((resolve) => {
        wake = resolve;
        if (ended || failure || stream.readableLength > 0) rouse();
      });
  }
}

/**
 * `readRows`, a batch at a time (arrays of records in file order): the reading thread's way,
 * which hands batches on as they are.
 */
export async function* readRowBatches(path, requested) {
  if (requested.format === 'xlsx') {
    for await (const row of xlsxRows(path, requested)) yield [row];
    return;
  }
  const options = { ...requested, encoding: await resolveEncoding(path, requested.encoding) };
  if (options.format === 'jsonl') {
    let line = 0;
    for await (const item of boundedLines(decoded(path, options.encoding))) {
      line++;
      if ('overlong' in item) {
        yield [
          {
            line,
            error: `is ${item.overlong} characters long, over the ${MAX_LINE_CHARS} allowed`,
          },
        ];
        continue;
      }
      const text = item.text;
      if (text.trim() === '') continue;
      try {
        const value = JSON.parse(text);
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          yield [{ line, error: 'is not a JSON object' }];
        else yield [{ line, record: value }];
      } catch (error) {
        yield [{ line, error: `is not valid JSON (${error.message})` }];
      }
    }
    return;
  }
  const delimiter = options.delimiter ?? sniffDelimiter(await firstLine(path, options.encoding));
  // Lines are bounded before csv-parse sees them: its own record limit stops the whole parse,
  // which would lose the valid rows after one bad line. An overlong line becomes a marker line
  // with the same parity of quotes, so a quoted field it was part of still closes.
  const lengths = new Map();
  // Lines go to the parser in blocks of about 64 KB: one stream write per line costs more
  // than parsing it.
  const bounded = Readable.from(
    (async function* () {
      let n = 0;
      let block = [];
      let size = 0;
      for await (const item of boundedLines(decoded(path, options.encoding))) {
        n++;
        // Lines reach the parser with LF endings: csv-parse counts the CR and the LF of a CRLF
        // inside a quoted field as two lines, which numbered every later row one too high.
        const text =
          'text' in item
            ? item.text.endsWith('\r')
              ? item.text.slice(0, -1)
              : item.text
            : `${OVERLONG}${item.quotes % 2 === 1 ? '"' : ''}`;
        if ('overlong' in item) lengths.set(n, item.overlong);
        block.push(text, '\n');
        size += text.length + 1;
        if (size >= BLOCK_CHARS) {
          yield block.join('');
          block = [];
          size = 0;
        }
      }
      if (block.length > 0) yield block.join('');
    })(),
  );
  let width = -1;
  const parser = parse({
    max_record_size: MAX_RECORD_CHARS,
    delimiter,
    columns: (header) => {
      const columns = header.map((c) => c.trim());
      width = columns.length;
      options.onHeader?.(columns);
      return columns;
    },
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_quotes: true,
    // A row with the wrong number of fields is reported, not fatal.
    relax_column_count: true,
  });
  // Each record with its line number: the parser's live line count as it pushes the record
  // (the value its on_record hook would be given; that hook builds an info object per record,
  // which cost a third of the reading).
  const push = parser.push.bind(parser);
  parser.push = (record) => push(record === null ? null : { record, line: parser.info.lines });
  bounded.pipe(parser);
  for await (const items of streamBatches(parser)) {
    const rows = [];
    for (const item of items) {
      const { line, record } = item;
      // Only a file with an overlong line holds the marker: other files skip the search.
      if (
        lengths.size > 0 &&
        Object.values(record).some((v) => typeof v === 'string' && v.includes(OVERLONG))
      ) {
        const length = lengths.get(line);
        rows.push({
          line,
          error: `is ${length ?? 'over ' + MAX_LINE_CHARS} characters long, over the ${MAX_LINE_CHARS} allowed`,
        });
        continue;
      }
      const fields = Object.keys(record).length;
      if (width > 0 && fields !== width) {
        rows.push({ line, error: `has ${fields} fields, the header has ${width}` });
        continue;
      }
      rows.push(item);
    }
    if (rows.length > 0) yield rows;
  }
}

/** A cell's value as the text an export would have written (dates as YYYY-MM-DD). */
function cellText(value) {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? undefined : value.toISOString().slice(0, 10);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') {
    if (Array.isArray(value.richText)) return value.richText.map((run) => run.text).join('');
    if ('result' in value) return cellText(value.result); // a formula: its last computed value
    if ('text' in value) return cellText(value.text); // a hyperlink
  }
  return undefined;
}

/**
 * The rows of one worksheet of an .xlsx workbook, read as a stream (exceljs's streaming reader;
 * Excel stores each distinct text once, and that table is held in memory). The first non-empty
 * row is the header; line numbers are the sheet's row numbers. A workbook with one sheet needs
 * no choice; with several, `sheet` (a name, or a position from 1) must say which: importing
 * the wrong sheet silently would be worse than asking.
 */
async function* xlsxRows(path, options) {
  // exceljs's streaming unzip (unzipper) now and then loses a zip entry: about one read in
  // 150 of our test workbook fails inside exceljs before a single row, with a TypeError about
  // the workbook it never saw. The file is on disk and reading it is idempotent, so such a
  // read is tried again (twice at most), only when no row was handed out yet.
  for (let attempt = 1; ; attempt++) {
    let yielded = false;
    try {
      for await (const row of xlsxRowsOnce(path, options)) {
        yielded = true;
        yield row;
      }
      return;
    } catch (error) {
      const lost = error instanceof FileProblem && error.cause instanceof TypeError;
      if (!lost || yielded || attempt === 3) throw error;
    }
  }
}

async function* xlsxRowsOnce(path, options) {
  const { default: ExcelJS } = await import('exceljs');
  await open(path, 'r').then((handle) => handle.close()); // a missing file fails as ENOENT
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    sharedStrings: 'cache',
    styles: 'cache', // date cells are numbers with a date format
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const wanted = options.sheet;
  const seen = [];
  let found = false;
  let position = 0;
  try {
    for await (const sheet of reader) {
      position++;
      seen.push(sheet.name);
      const names = reader.model?.sheets?.map((s) => s.name) ?? [];
      if (wanted === undefined && position === 1 && names.length > 1)
        throw new FileProblem(
          `${path} has ${names.length} sheets (${names.join(', ')}): choose one with --sheet <name or number>`,
        );
      const chosen =
        wanted === undefined ||
        (/^[0-9]+$/.test(wanted) ? Number(wanted) === position : sheet.name === wanted);
      if (!chosen || found) {
        // Read past it: the stream goes on to the next sheet.
        const rest = sheet[Symbol.asyncIterator]();
        while (!(await rest.next()).done);
        continue;
      }
      found = true;
      let header;
      for await (const row of sheet) {
        const cells = (row.values ?? []).slice(1).map(cellText);
        if (cells.every((c) => c === undefined || c.trim() === '')) continue;
        if (header === undefined) {
          header = cells.map((c) => (c ?? '').trim());
          options.onHeader?.(header);
          continue;
        }
        const line = row.number;
        // An Excel error (#N/A, #REF!…) where a value should be: the row cannot be trusted.
        const values = (row.values ?? []).slice(1);
        const failed = values.findIndex(
          (v) => typeof v === 'object' && v !== null && 'error' in v && !('result' in v),
        );
        const formulaFailed = values.findIndex(
          (v) =>
            typeof v === 'object' &&
            v?.result !== null &&
            typeof v?.result === 'object' &&
            'error' in v.result,
        );
        const bad = failed >= 0 ? failed : formulaFailed;
        if (bad >= 0) {
          const v = values[bad];
          yield {
            line,
            error: `column ${JSON.stringify(header[bad] ?? String(bad + 1))} holds the Excel error ${String(v.error ?? v.result.error)}`,
          };
          continue;
        }
        const longest = Math.max(...cells.map((c) => c?.length ?? 0));
        if (longest > MAX_LINE_CHARS) {
          yield {
            line,
            error: `has a cell of ${longest} characters, over the ${MAX_LINE_CHARS} allowed`,
          };
          continue;
        }
        const beyond = cells.findIndex(
          (c, i) => i >= header.length && c !== undefined && c.trim() !== '',
        );
        if (beyond >= 0) {
          yield {
            line,
            error: `has a value in column ${beyond + 1}, beyond the header's ${header.length}`,
          };
          continue;
        }
        const record = {};
        header.forEach((column, i) => {
          if (column !== '' && cells[i] !== undefined) record[column] = cells[i].trim();
        });
        yield { line, record };
      }
    }
  } catch (error) {
    if (error instanceof FileProblem || error.code === 'ENOENT') throw error;
    throw new FileProblem(`${path} is not a readable .xlsx workbook (${error.message})`, {
      cause: error,
    });
  }
  if (!found)
    throw new FileProblem(
      `${path} has no sheet ${JSON.stringify(wanted)} (sheets: ${seen.join(', ')})`,
    );
}
