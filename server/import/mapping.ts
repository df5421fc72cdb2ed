/**
 * Column mappings from ERP exports to the watch fields. The default reads the API's own field
 * names; `sap` reads SAP-style serial-number exports; a JSON file can name any columns.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const WATCH_FIELDS = [
  'serial',
  'reference',
  'model',
  'caseMaterial',
  'calibre',
  'manufacturedOn',
  'issuer',
] as const;
export type WatchField = (typeof WATCH_FIELDS)[number];

const DATE_FORMATS = ['YYYY-MM-DD', 'YYYYMMDD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY'] as const;

export const mappingSchema = z.strictObject({
  /** Watch field → column name in the export. `issuer` is optional. */
  columns: z.strictObject({
    serial: z.string().min(1),
    reference: z.string().min(1),
    model: z.string().min(1),
    caseMaterial: z.string().min(1),
    calibre: z.string().min(1),
    manufacturedOn: z.string().min(1),
    issuer: z.string().min(1).optional(),
  }),
  /** How the export writes the manufacture date. */
  dateFormat: z.enum(DATE_FORMATS).default('YYYY-MM-DD'),
});
export type Mapping = z.infer<typeof mappingSchema>;

export const BUILT_IN_MAPPINGS: Record<string, Mapping> = {
  default: {
    columns: {
      serial: 'serial',
      reference: 'reference',
      model: 'model',
      caseMaterial: 'caseMaterial',
      calibre: 'calibre',
      manufacturedOn: 'manufacturedOn',
      issuer: 'issuer',
    },
    dateFormat: 'YYYY-MM-DD',
  },
  // SAP serial-number / equipment exports: SERNR serial, MATNR material (model reference),
  // MAKTX material description (model name), HSDAT date of manufacture (DD.MM.YYYY in German
  // locale exports); case and calibre come from classification characteristics.
  sap: {
    columns: {
      serial: 'SERNR',
      reference: 'MATNR',
      model: 'MAKTX',
      caseMaterial: 'ZZ_GEHAEUSE',
      calibre: 'ZZ_KALIBER',
      manufacturedOn: 'HSDAT',
      issuer: 'ZZ_MARKE',
    },
    dateFormat: 'DD.MM.YYYY',
  },
};

/** A built-in mapping by name, or a mapping JSON file. @throws Error naming the problem. */
export function loadMapping(nameOrFile: string): Mapping {
  const builtIn = BUILT_IN_MAPPINGS[nameOrFile];
  if (builtIn) return builtIn;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(nameOrFile, 'utf8'));
  } catch (error) {
    throw new Error(
      `mapping "${nameOrFile}" is neither built in (${Object.keys(BUILT_IN_MAPPINGS).join(', ')}) nor a readable JSON file: ${(error as Error).message}`,
    );
  }
  const parsed = mappingSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `mapping ${nameOrFile} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * Rewrites an export date as YYYY-MM-DD. Anything that does not fit the format is returned
 * unchanged, so the schema reports it against the field instead of it vanishing here.
 */
export function normaliseDate(value: string, format: Mapping['dateFormat']): string {
  const v = value.trim();
  let m: RegExpExecArray | null;
  switch (format) {
    case 'YYYYMMDD':
      return (m = /^(\d{4})(\d{2})(\d{2})$/.exec(v)) ? `${m[1]}-${m[2]}-${m[3]}` : v;
    case 'DD.MM.YYYY':
      return (m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(v))
        ? `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`
        : v;
    case 'DD/MM/YYYY':
      return (m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v))
        ? `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`
        : v;
    case 'MM/DD/YYYY':
      return (m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v))
        ? `${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`
        : v;
    default:
      return v;
  }
}

/** The watch input object of one export record (columns not mapped are ignored). */
export function applyMapping(
  record: Record<string, unknown>,
  mapping: Mapping,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of WATCH_FIELDS) {
    const column = mapping.columns[field];
    if (column === undefined) continue;
    const value = record[column];
    if (value === undefined || value === null || value === '') continue; // reported as "is required"
    out[field] =
      field === 'manufacturedOn' && typeof value === 'string'
        ? normaliseDate(value, mapping.dateFormat)
        : value;
  }
  return out;
}

/** Mapped columns missing from a CSV header (checked once, before any row). */
export function missingColumns(header: string[], mapping: Mapping): string[] {
  return WATCH_FIELDS.filter((f) => f !== 'issuer')
    .map((f) => mapping.columns[f])
    .filter((c): c is string => c !== undefined && !header.includes(c));
}
