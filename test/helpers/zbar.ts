/** Decodes QR codes in an image with Debian's zbarimg, an implementation independent of ours. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every QR symbol zbarimg finds in the image, as exact text (raw, no type prefix). */
export function zbarDecode(image: Uint8Array, extension = 'png'): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'zbar-'));
  try {
    const file = join(dir, `qr.${extension}`);
    writeFileSync(file, image);
    // -Sbinary keeps bytes as they are (no charset guessing); one symbol per line otherwise.
    // Only QR codes: with every symbology on (zbarimg's default), a QR's modules now and then
    // also read as a one-dimensional barcode (a phantom "105252" next to the certificate).
    const out = execFileSync(
      'zbarimg',
      ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', file],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    return out.split('\n').filter((line) => line.length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
