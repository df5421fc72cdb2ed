/**
 * QR images of a certificate's QR form, with the `qrcode` package and explicit segments
 * (alphanumeric URL prefix, numeric payload). Node only.
 */
import QRCode from 'qrcode';
import type { QrForm } from '../../shared/qr.ts';

/** QR error-correction level. M (15%) is the default: warranty cards are handled, not abused. */
export type Ecc = 'L' | 'M' | 'Q' | 'H';

export interface RenderOptions {
  ecc?: Ecc;
  /** Pixels per module (PNG) — 1 to 40. */
  scale?: number;
  /** Quiet zone in modules; the QR standard asks for 4. */
  margin?: number;
}

type Segments = QRCode.QRCodeSegment[];
const segmentsOf = (qr: QrForm) => qr.segments as unknown as Segments;

/** The QR symbol's version and size for a QR form at an ECC level. */
export function qrSymbolInfo(qr: QrForm, ecc: Ecc = 'M'): { version: number; modules: number } {
  const symbol = QRCode.create(segmentsOf(qr), { errorCorrectionLevel: ecc });
  return { version: symbol.version, modules: symbol.modules.size };
}

/** The QR module matrix (true = dark), row by row, for vector drawing (PDF). */
export function qrMatrix(qr: QrForm, ecc: Ecc = 'M'): boolean[][] {
  const { modules } = QRCode.create(segmentsOf(qr), { errorCorrectionLevel: ecc });
  const rows: boolean[][] = [];
  for (let y = 0; y < modules.size; y++) {
    const row: boolean[] = [];
    for (let x = 0; x < modules.size; x++) row.push(modules.get(y, x) === 1);
    rows.push(row);
  }
  return rows;
}

/** Renders a PNG. */
export function renderPng(qr: QrForm, options: RenderOptions = {}): Promise<Buffer> {
  return QRCode.toBuffer(segmentsOf(qr), {
    type: 'png',
    errorCorrectionLevel: options.ecc ?? 'M',
    scale: options.scale ?? 8,
    margin: options.margin ?? 4,
  });
}

/** Renders an SVG document. */
export function renderSvg(qr: QrForm, options: RenderOptions = {}): Promise<string> {
  return QRCode.toString(segmentsOf(qr), {
    type: 'svg',
    errorCorrectionLevel: options.ecc ?? 'M',
    margin: options.margin ?? 4,
  });
}
