/** Types of read-rows.mjs (plain JavaScript so that the reader's worker thread loads it as it is). */
/** `auto`: from the byte order mark, else UTF-8 (see resolveEncoding). */
export type Encoding = 'auto' | 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'iso-8859-1';
export type Format = 'csv' | 'jsonl' | 'xlsx';

export interface RowRecord {
  line: number;
  /** The record as read, or undefined when the line itself could not be read. */
  record?: Record<string, unknown>;
  /** Why the line could not be read (bad JSON, wrong number of CSV columns). */
  error?: string;
}

export interface ReadOptions {
  format: Format;
  encoding: Encoding;
  delimiter?: string;
  /** The worksheet of an .xlsx workbook: its name, or its position from 1. */
  sheet?: string;
  onHeader?: (columns: string[]) => void;
}

/** Guesses the CSV delimiter from the header line: the most frequent of , ; tab | outside quotes. */
export function sniffDelimiter(headerLine: string): string;
/** Longest line read (characters). */
export const MAX_LINE_CHARS: number;
/** Longest CSV record (characters), over all the lines a quoted field may span. */
export const MAX_RECORD_CHARS: number;
/** The lines of a text stream, never holding more than `max` characters of one line. */
export function boundedLines(
  input: AsyncIterable<string | Buffer>,
  max?: number,
): AsyncGenerator<{ text: string } | { overlong: number; quotes: number }>;
/** A problem with the file itself (its encoding), reported as one line. */
export class FileProblem extends Error {
  readonly code: 'HALLMARK_FILE';
}
/** The file's encoding, from its byte order mark when `requested` is `auto`. */
export function resolveEncoding(
  path: string,
  requested?: Encoding,
): Promise<Exclude<Encoding, 'auto'>>;
/** Reads the file's records. The CSV header is returned through `onHeader` before any row. */
export function readRows(path: string, options: ReadOptions): AsyncGenerator<RowRecord>;
