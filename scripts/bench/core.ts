/**
 * `npm run bench:core`: QR size of the typical certificate (compact form vs a JWS in a URL)
 * and signing / verification rates, each next to the raw primitive measured in the same run.
 */
import {
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import * as ed from '@noble/ed25519';
import QRCode from 'qrcode';
import { utf8 } from '../../shared/bytes.ts';
import { signCertificate } from '../../shared/certificate.ts';
import { parseClaims } from '../../shared/claims.ts';
import { encodeCompact } from '../../shared/compact.ts';
import { signingInputText } from '../../shared/jws.ts';
import { toQr } from '../../shared/qr.ts';
import { keySetFromJwks } from '../../shared/keys.ts';
import { verify } from '../../shared/verify.ts';
import { generateSigningKey } from '../../server/keys/signing-key.ts';
import { qrSymbolInfo } from '../../server/qr/render.ts';
import { compareRates, fmt, row } from './measure.ts';
import { DEFAULT_SIGNERS } from '../../server/import/signer-pool.ts';
import { softHsmRates } from './hsm-raw.ts';

const key = generateSigningKey();
const keys = keySetFromJwks({ keys: [key.publicJwk()] });
const now = Math.floor(Date.now() / 1000);
const claims = {
  v: 1 as const,
  iss: 'HUB',
  sn: 'HB26A0012345',
  ref: '441.NX.1170.RX',
  mdl: 'Big Bang Unico 42 mm',
  cas: 'King Gold',
  cal: 'HUB1280',
  mfd: '2026-03-02',
  iat: now,
  sli: 1_234_567,
  gen: 1,
};
const baseUrl = process.env.HALLMARK_PUBLIC_URL ?? 'https://verify.hallmark.example/';
const cert = signCertificate(claims, key.kid, key.sign);
const qr = toQr(cert, baseUrl);

process.stdout.write(
  `Hallmark core benchmark — node ${process.version}, ${new Date().toISOString()}\n\n`,
);
process.stdout.write(`QR size, typical certificate, ECC M (base URL ${baseUrl})\n`);
const ours = qrSymbolInfo(qr, 'M');
const jwsUrl = `${baseUrl}#${cert.jws}`;
const plain = QRCode.create(jwsUrl, { errorCorrectionLevel: 'M' });
row(
  'compact form: signed bytes',
  `${encodeCompact(cert).length} B`,
  `${qr.text.length} characters of QR text`,
);
row(
  'compact form: QR symbol',
  `v${ours.version} ${ours.modules}×${ours.modules}`,
  'goal: v10 (57×57) or smaller',
);
row(
  'reference: JWS in URL fragment (byte mode)',
  `v${plain.version} ${plain.modules.size}×${plain.modules.size}`,
  `${jwsUrl.length} characters`,
);
const saving = 1 - ours.modules / plain.modules.size;
row('fewer modules per side', `${fmt(saving * 100, 1)} %`, 'goal: ≥ 25 %');
row(
  'fewer modules in all (area)',
  `${fmt((1 - (ours.modules / plain.modules.size) ** 2) * 100, 1)} %`,
);

process.stdout.write('\nSigning (one core; medians of 7 interleaved rounds)\n');
const input = utf8(signingInputText(claims, key.kid));
// The same key as a bare Node KeyObject, for the raw reference.
const rawKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), key.exportSeed()]),
  format: 'der',
  type: 'pkcs8',
});
// A pool of distinct claims, parsed once as the service does when it validates a request.
const pool = Array.from({ length: 1024 }, (_, n) => ({ ...claims, sli: n }));
const parsedPool = pool.map((c) => parseClaims(c));
let i = 0;
const signing = compareRates({
  raw: () => nodeSign(null, input, rawKey),
  signer: () => signCertificate(parsedPool[i++ & 1023]!, key.kid, key.sign),
  validateAndSign: () => signCertificate({ ...pool[i++ & 1023]! }, key.kid, key.sign),
  withQr: () => toQr(signCertificate(parsedPool[i++ & 1023]!, key.kid, key.sign), baseUrl),
});
const pct = (n: number) => `${fmt((n / signing.raw) * 100, 1)} % of raw`;
row(
  'raw node:crypto Ed25519 sign (same-size input)',
  `${fmt(signing.raw)}/s`,
  'physical reference',
);
row(
  'signer: validated claims → canonical JSON, JWS',
  `${fmt(signing.signer)}/s`,
  `${pct(signing.signer)} (goal ≥ 80 %)`,
);
row(
  'schema validation + signer',
  `${fmt(signing.validateAndSign)}/s`,
  pct(signing.validateAndSign),
);
row('signer + QR form', `${fmt(signing.withQr)}/s`, pct(signing.withQr));
// The brand key in a PKCS#11 token (issue 13): SoftHSM2 signs on this machine's CPU.
const hsm = await softHsmRates(DEFAULT_SIGNERS);
if (hsm) {
  row('PKCS#11 CKM_EDDSA (SoftHSM2), one session', `${fmt(hsm.one)}/s`, pct(hsm.one));
  row(
    `PKCS#11, ${DEFAULT_SIGNERS} sessions in ${DEFAULT_SIGNERS} threads`,
    `${fmt(hsm.many)}/s`,
    'the import signs with this many',
  );
} else row('PKCS#11 (SoftHSM2)', 'n/a', 'softhsm2 is not installed');

process.stdout.write('\nVerification (one core; medians of 7 interleaved rounds)\n');
const sig = cert.signature;
const publicKey = createPublicKey({ key: key.publicJwk() as never, format: 'jwk' });
const verifying = compareRates({
  rawNoble: () => ed.verify(sig, input, key.publicKey, { zip215: false }),
  rawNode: () => nodeVerify(null, input, publicKey, sig),
  qr: () => verify(qr.text, keys, { now }),
  jws: () => verify(cert.jws, keys, { now }),
});
row(
  'raw @noble/ed25519 verify (strict)',
  `${fmt(verifying.rawNoble)}/s`,
  'physical reference (pure JS, as in the page)',
);
row('raw node:crypto Ed25519 verify', `${fmt(verifying.rawNode)}/s`, 'native, for comparison');
row(
  'verify(QR text)',
  `${fmt(verifying.qr)}/s`,
  `${fmt((verifying.qr / verifying.rawNoble) * 100, 1)} % of raw noble`,
);
row(
  'verify(compact JWS)',
  `${fmt(verifying.jws)}/s`,
  `${fmt((verifying.jws / verifying.rawNoble) * 100, 1)} % of raw noble`,
);
