/**
 * The tray check as CSV, one format for the page's export and `hallmark check --file --csv`.
 * Every cell is quoted, and a cell a spreadsheet would run as a formula (starting with = + -
 * @ or a control character) is written as text (OWASP's CSV injection advice).
 */
export interface TrayCsvRow {
  /** The watch's place: the order scanned on the page, the line of the list file. */
  n: number;
  brand: string;
  brandName: string;
  serial: string;
  model: string;
  reference: string;
  verdict: string;
  code: string;
  status: string;
  /** ISO 8601, or empty. */
  statusAsOf: string;
  /** Empty when not asked. */
  owners: string;
  duplicate: boolean;
}

export const TRAY_CSV_COLUMNS = [
  'n',
  'brand',
  'brand_name',
  'serial',
  'model',
  'reference',
  'verdict',
  'code',
  'status',
  'status_as_of',
  'owners',
  'duplicate',
] as const;

export const csvCell = (value: string): string =>
  `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replace(/"/g, '""')}"`;

/** The header and one line per row, CRLF-terminated. */
export function trayCsv(rows: readonly TrayCsvRow[]): string {
  const lines = rows.map((r) =>
    [
      String(r.n),
      r.brand,
      r.brandName,
      r.serial,
      r.model,
      r.reference,
      r.verdict,
      r.code,
      r.status,
      r.statusAsOf,
      r.owners,
      String(r.duplicate),
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[TRAY_CSV_COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}
