/** Printed cards: every QR on a 300 dpi rendering of the PDF decodes with zbarimg to the exact QR text. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { signCertificate } from '../../shared/certificate.ts';
import { toQr } from '../../shared/qr.ts';
import { MIN_MODULE_MM, printCards } from '../../server/print/cards.ts';
import { BASE_URL, sampleClaims, testKey } from '../helpers/fixtures.ts';
import { zbarDecode } from '../helpers/zbar.ts';

const key = testKey('print');
const certs = Array.from({ length: 12 }, (_, i) =>
  signCertificate(
    sampleClaims({
      sn: `PRINT${String(i).padStart(5, '0')}`,
      sli: 1000 + i,
      mdl: i === 3 ? 'Speedmaster Ω Édition ™' : `Model ${i}`,
    }),
    key.kid,
    key.sign,
  ),
);
const dir = mkdtempSync(join(tmpdir(), 'hallmark-print-'));

function rasterise(pdf: Uint8Array, name: string): string[] {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-r', '300', '-png', file, join(dir, name)]);
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
    .sort()
    .map((f) => join(dir, f));
}

describe('printed certificate cards', () => {
  it('A4 sheets, 10 cards each: every QR decodes to exactly its certificate QR text', async () => {
    const result = await printCards(certs, { baseUrl: BASE_URL, layout: 'sheet' });
    expect(result).toMatchObject({ cards: 12, pages: 2, warnings: [] });
    expect(result.moduleMm).toBeGreaterThanOrEqual(MIN_MODULE_MM);
    const pages = rasterise(result.pdf, 'sheet');
    expect(pages).toHaveLength(2);
    const first = zbarDecode(readFileSync(pages[0]!)).sort();
    expect(first).toEqual(
      certs
        .slice(0, 10)
        .map((c) => toQr(c, BASE_URL).text)
        .sort(),
    );
    expect(zbarDecode(readFileSync(pages[1]!)).sort()).toEqual(
      certs
        .slice(10)
        .map((c) => toQr(c, BASE_URL).text)
        .sort(),
    );
  }, 60_000);

  it('one card per page at card size (85.6 × 54 mm)', async () => {
    const result = await printCards(certs.slice(0, 2), { baseUrl: BASE_URL, layout: 'single' });
    expect(result.pages).toBe(2);
    const { width, height } = (await PDFDocument.load(result.pdf)).getPage(0).getSize();
    expect(width / (72 / 25.4)).toBeCloseTo(85.6, 1);
    expect(height / (72 / 25.4)).toBeCloseTo(54, 1);
    const pages = rasterise(result.pdf, 'single');
    expect(zbarDecode(readFileSync(pages[0]!))).toEqual([toQr(certs[0]!, BASE_URL).text]);
  });

  it('prints Unicode details (DejaVu Sans embedded) and the serial as text', async () => {
    const result = await printCards([certs[3]!], { baseUrl: BASE_URL, layout: 'single' });
    const text = execFileSync('pdftotext', ['-', '-'], { input: Buffer.from(result.pdf) }).toString(
      'utf8',
    );
    expect(text).toContain('Speedmaster Ω Édition ™');
    expect(text).toContain('PRINT00003');
    expect(text).toContain('Ref. 441.NX.1170.RX');
  });
});
