/**
 * `npm run bench:print`: does a phone read the printed card on the first try? A typical
 * certificate's card is rendered at 300 dpi (pdftoppm), put through 12 photo-like degradations
 * (ImageMagick: rotation, down-scaling, blur, JPEG with noise, low contrast) and decoded with
 * zbarimg; the score is how many decode to the exact QR text. For several QR sizes, next to a
 * JWS-in-URL QR (the usual encoding of a signed document) of the same size, same run.
 * Needs pdftoppm, zbarimg and ImageMagick (scripts/install-system-deps.sh).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { signCertificate } from '../../shared/certificate.ts';
import { toQr } from '../../shared/qr.ts';
import { CARD_QR_MM, printCards } from '../../server/print/cards.ts';
import { generateSigningKey } from '../../server/keys/signing-key.ts';
import { row } from './measure.ts';
import { benchClaims } from './registry.ts';

const DPI = 300;
const BASE_URL = 'https://verify.hallmark.example/';
// Debian's ImageMagick; /usr/local/bin may hold a stand-in.
const CONVERT = existsSync('/usr/bin/convert') ? '/usr/bin/convert' : 'convert';

/** The degradations, as ImageMagick arguments: what a hurried phone photo does to a card. */
const DEGRADATIONS: [string, string[]][] = [
  ['rotated 7°', ['-background', 'white', '-rotate', '7']],
  ['rotated 20°', ['-background', 'white', '-rotate', '20']],
  ['scaled to 40 %', ['-resize', '40%']],
  ['scaled to 33 %', ['-resize', '33%']],
  ['scaled to 28 %', ['-resize', '28%']],
  ['scaled to 25 %', ['-resize', '25%']],
  ['blur 1.5', ['-blur', '0x1.5']],
  ['blur 2', ['-blur', '0x2']],
  ['blur 2.5', ['-blur', '0x2.5']],
  ['JPEG q40 + noise', ['-attenuate', '0.6', '+noise', 'Gaussian', '-quality', '40']],
  [
    'JPEG q30 + noise, 50 %',
    ['-resize', '50%', '-attenuate', '0.6', '+noise', 'Gaussian', '-quality', '30'],
  ],
  ['low contrast', ['+level', '35%,65%']],
];

const dir = mkdtempSync(join(tmpdir(), 'hallmark-bench-print-'));

function decodes(png: string, args: string[], expected: string, name: string): boolean {
  const out = join(dir, `${name}.${args.includes('-quality') ? 'jpg' : 'png'}`);
  execFileSync(CONVERT, [png, ...args, out]);
  try {
    const text = execFileSync(
      'zbarimg',
      ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', out],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    return text.split('\n').includes(expected);
  } catch {
    return false; // zbarimg exits 4 when it finds no symbol
  }
}

function score(png: string, expected: string, name: string): { score: number; failed: string[] } {
  const failed = DEGRADATIONS.filter(
    ([, args], i) => !decodes(png, args, expected, `${name}-${i}`),
  ).map(([label]) => label);
  return { score: DEGRADATIONS.length - failed.length, failed };
}

try {
  const key = generateSigningKey();
  const cert = signCertificate(benchClaims('HB26A0100001', 123_456), key.kid, key.sign);
  const qr = toQr(cert, BASE_URL);
  const jwsUrl = `${BASE_URL}#${cert.jws}`;
  process.stdout.write(
    `Hallmark card robustness — ${DEGRADATIONS.length} degradations at ${DPI} dpi, zbarimg, exact text\n` +
      `  (compact QR: ${qr.text.length} characters; JWS in a URL: ${jwsUrl.length})\n\n`,
  );
  for (const qrMm of [28, 32, CARD_QR_MM, 38]) {
    const { pdf, moduleMm } = await printCards([cert], {
      baseUrl: BASE_URL,
      layout: 'single',
      qrMm,
    });
    const pdfPath = join(dir, `card-${qrMm}.pdf`);
    writeFileSync(pdfPath, pdf);
    execFileSync('pdftoppm', [
      '-r',
      String(DPI),
      '-png',
      '-singlefile',
      pdfPath,
      join(dir, `card-${qrMm}`),
    ]);
    const card = score(join(dir, `card-${qrMm}.png`), qr.text, `card-${qrMm}`);
    // The same physical size for a JWS-in-URL QR, alone on white (it would not fit the card's text).
    const px = Math.round((qrMm / 25.4) * DPI);
    const jwsPng = join(dir, `jws-${qrMm}.png`);
    writeFileSync(
      jwsPng,
      await QRCode.toBuffer(jwsUrl, { errorCorrectionLevel: 'M', margin: 4, width: px }),
    );
    const modules = QRCode.create(jwsUrl, { errorCorrectionLevel: 'M' }).modules.size;
    const jws = score(jwsPng, jwsUrl, `jws-${qrMm}`);
    row(
      `card, QR ${qrMm} mm (module ${moduleMm.toFixed(2)} mm)${qrMm === CARD_QR_MM ? ' ← printed' : ''}`,
      `${card.score}/${DEGRADATIONS.length}`,
      card.failed.length ? `failed: ${card.failed.join(', ')}` : 'all decoded',
    );
    row(
      `  JWS-in-URL QR, same ${qrMm} mm (module ${((qrMm / (modules + 8)) * 1).toFixed(2)} mm)`,
      `${jws.score}/${DEGRADATIONS.length}`,
      jws.failed.length ? `failed: ${jws.failed.join(', ')}` : 'all decoded',
    );
  }
  row('goal (issue 15)', '≥ 9/12', 'for the size printed');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
