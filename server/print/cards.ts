/**
 * Print-ready certificate cards (PDF, pdf-lib): ID-1 card size (85.6 × 54 mm), ten to an A4
 * sheet with crop marks, or one card per page. Each card carries the QR code as vector
 * rectangles (quiet zone of 4 modules, modules ≥ 0.33 mm), the watch details and the serial
 * in text. Text uses DejaVu Sans (Unicode) when installed, else Helvetica (Latin-1 only,
 * other characters replaced and reported).
 */
import { existsSync, readFileSync } from 'node:fs';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import type { Certificate } from '../../shared/certificate.ts';
import { toQr } from '../../shared/qr.ts';
import { qrMatrix } from '../qr/render.ts';

const MM = 72 / 25.4;
export const CARD = { width: 85.6, height: 54 } as const;
const A4 = { width: 210, height: 297 } as const;
const GRID = { columns: 2, rows: 5 } as const;
/** Smallest QR module we print, in mm (a common minimum for phone cameras at arm's length). */
export const MIN_MODULE_MM = 0.33;
/**
 * The QR's side on a card, quiet zone included, in mm. `npm run bench:print` photographs the
 * card at 300 dpi through 12 phone-like degradations and decodes it with zbarimg: 28 mm read
 * in fewer of them than 34 mm (see the README for the figures of the last run).
 */
export const CARD_QR_MM = 34;
const QUIET_ZONE = 4;

export interface PrintOptions {
  /** The verification page a certificate's QR points to (each brand may have its own). */
  baseUrl: string | ((cert: Certificate) => string);
  layout: 'sheet' | 'single';
  fontPath?: string;
  /** The QR's side, quiet zone included, in mm (default CARD_QR_MM; benchmarks try others). */
  qrMm?: number;
}

export interface PrintResult {
  pdf: Uint8Array;
  cards: number;
  pages: number;
  /** Smallest module size used, in mm. */
  moduleMm: number;
  warnings: string[];
}

const DEJAVU = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const DEJAVU_BOLD = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  unicode: boolean;
}

async function loadFonts(doc: PDFDocument, fontPath?: string): Promise<Fonts> {
  const regularPath = fontPath ?? DEJAVU;
  const boldPath = fontPath ?? DEJAVU_BOLD;
  if (existsSync(regularPath) && existsSync(boldPath)) {
    doc.registerFontkit(fontkit);
    return {
      regular: await doc.embedFont(readFileSync(regularPath), { subset: true }),
      bold: await doc.embedFont(readFileSync(boldPath), { subset: true }),
      unicode: true,
    };
  }
  return {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    unicode: false,
  };
}

/** Text the font can draw: with Helvetica, characters outside Latin-1 become '?'. */
function drawable(text: string, fonts: Fonts, warnings: string[], serial: string): string {
  if (fonts.unicode) return text;
  const safe = text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
  if (safe !== text)
    warnings.push(
      `${serial}: "${text}" has characters Helvetica cannot print; install fonts-dejavu-core`,
    );
  return safe;
}

/** Shrinks the font size until the text fits the width (down to `min`), then truncates. */
function fit(
  text: string,
  font: PDFFont,
  size: number,
  width: number,
  min = 5,
): { text: string; size: number } {
  let s = size;
  while (s > min && font.widthOfTextAtSize(text, s) > width) s -= 0.25;
  let t = text;
  while (t.length > 1 && font.widthOfTextAtSize(t, s) > width) t = `${t.slice(0, -2)}…`;
  return { text: t, size: s };
}

function drawQr(page: PDFPage, matrix: boolean[][], x: number, y: number, sizeMm: number): number {
  const n = matrix.length;
  const module = sizeMm / (n + 2 * QUIET_ZONE);
  const m = module * MM;
  const x0 = x + QUIET_ZONE * m;
  const top = y + sizeMm * MM - QUIET_ZONE * m;
  page.drawRectangle({ x, y, width: sizeMm * MM, height: sizeMm * MM, color: rgb(1, 1, 1) });
  // One filled path for the whole symbol, one subpath per horizontal run of dark modules, in
  // module units (scaled once): a fraction of the operators of one rectangle per module.
  let path = '';
  matrix.forEach((row, r) => {
    for (let c = 0; c < n;) {
      if (!row[c]) {
        c++;
        continue;
      }
      let end = c;
      while (end < n && row[end]) end++;
      path += `M${c} ${r}h${end - c}v1h${c - end}z`;
      c = end;
    }
  });
  // SVG paths grow downwards from (x, y): place the origin at the symbol's top-left corner.
  page.drawSvgPath(path, { x: x0, y: top, scale: m, color: rgb(0, 0, 0), borderWidth: 0 });
  return module;
}

function drawCard(
  page: PDFPage,
  cert: Certificate,
  baseUrl: string,
  x: number,
  y: number,
  fonts: Fonts,
  warnings: string[],
  qrSide: number,
): number {
  const c = cert.claims;
  const matrix = qrMatrix(toQr(cert, baseUrl), 'M');
  // The card's QR size, and never under MIN_MODULE_MM per module.
  const qrMm = Math.max(qrSide, (matrix.length + 2 * QUIET_ZONE) * MIN_MODULE_MM);
  const pad = 3.5;
  const module = drawQr(
    page,
    matrix,
    x + (CARD.width - pad - qrMm) * MM,
    y + ((CARD.height - qrMm) / 2) * MM,
    qrMm,
  );
  const textWidth = (CARD.width - qrMm - 3 * pad) * MM;
  let cursor = y + (CARD.height - pad - 3) * MM;
  const line = (
    text: string,
    font: PDFFont,
    size: number,
    gap: number,
    color = rgb(0.07, 0.09, 0.15),
  ) => {
    const f = fit(drawable(text, fonts, warnings, c.sn), font, size, textWidth);
    page.drawText(f.text, { x: x + pad * MM, y: cursor, size: f.size, font, color });
    cursor -= gap * MM;
  };
  line('CERTIFICATE OF AUTHENTICITY', fonts.bold, 5.5, 4.2, rgb(0.3, 0.33, 0.4));
  line(c.iss, fonts.bold, 9, 5);
  line(c.mdl, fonts.bold, 10, 5);
  line(`Ref. ${c.ref}`, fonts.regular, 7, 3.6);
  line(`Case: ${c.cas}`, fonts.regular, 7, 3.6);
  line(`Calibre: ${c.cal}`, fonts.regular, 7, 3.6);
  line(`Manufactured: ${c.mfd}`, fonts.regular, 7, 5.2);
  line('SERIAL NUMBER', fonts.bold, 5.5, 3.8, rgb(0.3, 0.33, 0.4));
  line(c.sn, fonts.bold, 12, 4.5);
  line('Scan to verify · compare with the caseback', fonts.regular, 5.5, 0, rgb(0.3, 0.33, 0.4));
  // Card outline (hairline, light grey) for single-card pages and cutting.
  page.drawRectangle({
    x,
    y,
    width: CARD.width * MM,
    height: CARD.height * MM,
    borderColor: rgb(0.85, 0.85, 0.85),
    borderWidth: 0.25,
  });
  return module;
}

function cropMarks(page: PDFPage, originX: number, originY: number): void {
  const len = 5 * MM;
  const gap = 1.5 * MM;
  const color = rgb(0, 0, 0);
  const width = GRID.columns * CARD.width * MM;
  const height = GRID.rows * CARD.height * MM;
  for (let i = 0; i <= GRID.columns; i++) {
    const x = originX + i * CARD.width * MM;
    page.drawLine({
      start: { x, y: originY - gap },
      end: { x, y: originY - gap - len },
      thickness: 0.3,
      color,
    });
    page.drawLine({
      start: { x, y: originY + height + gap },
      end: { x, y: originY + height + gap + len },
      thickness: 0.3,
      color,
    });
  }
  for (let j = 0; j <= GRID.rows; j++) {
    const y = originY + j * CARD.height * MM;
    page.drawLine({
      start: { x: originX - gap, y },
      end: { x: originX - gap - len, y },
      thickness: 0.3,
      color,
    });
    page.drawLine({
      start: { x: originX + width + gap, y },
      end: { x: originX + width + gap + len, y },
      thickness: 0.3,
      color,
    });
  }
}

/** Lays out the certificates as cards in a PDF. */
export async function printCards(
  certs: Iterable<Certificate>,
  options: PrintOptions,
): Promise<PrintResult> {
  const doc = await PDFDocument.create();
  doc.setTitle('Hallmark certificate cards');
  doc.setCreator('Hallmark');
  const fonts = await loadFonts(doc, options.fontPath);
  const warnings: string[] = [];
  let cards = 0;
  let moduleMm = Infinity;
  let page: PDFPage | undefined;
  const perSheet = GRID.columns * GRID.rows;
  const originX = ((A4.width - GRID.columns * CARD.width) / 2) * MM;
  const originY = ((A4.height - GRID.rows * CARD.height) / 2) * MM;
  for (const cert of certs) {
    let x: number;
    let y: number;
    if (options.layout === 'single') {
      page = doc.addPage([CARD.width * MM, CARD.height * MM]);
      [x, y] = [0, 0];
    } else {
      const slot = cards % perSheet;
      if (slot === 0) {
        page = doc.addPage([A4.width * MM, A4.height * MM]);
        cropMarks(page, originX, originY);
      }
      const column = slot % GRID.columns;
      const row = Math.floor(slot / GRID.columns);
      x = originX + column * CARD.width * MM;
      y = originY + (GRID.rows - 1 - row) * CARD.height * MM;
    }
    const baseUrl = typeof options.baseUrl === 'string' ? options.baseUrl : options.baseUrl(cert);
    moduleMm = Math.min(
      moduleMm,
      drawCard(page!, cert, baseUrl, x, y, fonts, warnings, options.qrMm ?? CARD_QR_MM),
    );
    cards++;
  }
  return {
    pdf: await doc.save(),
    cards,
    pages: doc.getPageCount(),
    moduleMm: cards ? moduleMm : 0,
    warnings,
  };
}
