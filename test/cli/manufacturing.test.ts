/** The README's manufacturing flow with the real command: import the sample SAP export, read the report, print the cards. */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hallmark, REPO } from '../helpers/cli.ts';
import { PASSPHRASE } from '../helpers/service.ts';
import { zbarDecode } from '../helpers/zbar.ts';
import { testDbLocation } from '../helpers/db.ts';

describe('hallmark import → report → print', { timeout: 120_000 }, () => {
  it('imports the sample SAP export, reports the bad rows, prints cards whose QR codes all decode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-mfg-'));
    const env = {
      HALLMARK_DB: testDbLocation(dir, 'h.db'),
      HALLMARK_KEY_PASSPHRASE: PASSPHRASE,
      HALLMARK_PUBLIC_URL: 'https://verify.hallmark.example/',
    };
    copyFileSync(join(REPO, 'test/fixtures/erp/sap-export-cp1252.csv'), join(dir, 'export.csv'));
    expect(
      hallmark(['brands', 'add', '--code', 'HUB', '--name', 'Hublot'], { cwd: dir, env }).status,
    ).toBe(0);

    const dry = hallmark(
      ['import', 'export.csv', '--mapping', 'sap', '--encoding', 'windows-1252', '--dry-run'],
      { cwd: dir, env },
    );
    expect(dry.stdout).toContain('10 rows: would issue 5, already existed 0, rejected 5');

    const run = hallmark(
      ['import', 'export.csv', '--mapping', 'sap', '--encoding', 'windows-1252'],
      { cwd: dir, env },
    );
    expect(run.status).toBe(3); // some rows were rejected
    expect(run.stdout).toContain('10 rows: issued 5, already existed 0, rejected 5');
    expect(run.stdout).toContain('report: export.csv.report.jsonl');
    const report = readFileSync(join(dir, 'export.csv.report.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(report.find((r) => r.line === 8)).toMatchObject({
      type: 'rejected',
      fields: [{ path: 'manufacturedOn' }],
    });

    const wrongEncoding = hallmark(['import', 'export.csv'], { cwd: dir, env });
    expect(wrongEncoding.status).toBe(2);
    expect(wrongEncoding.stderr).toMatch(/no column "serial".*use --mapping/);
    // The import runs in its own thread: its failures still print as one line, with their codes.
    const missing = hallmark(['import', 'nowhere.csv'], { cwd: dir, env });
    expect(missing.status, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/^hallmark: cannot read nowhere\.csv$/m);
    writeFileSync(
      join(dir, 'new.csv'),
      'serial,reference,model,caseMaterial,calibre,manufacturedOn\nNEW0001,441.NX.1170.RX,Big Bang,King Gold,HUB1280,2026-03-02\n',
    );
    const wrongKey = hallmark(['import', 'new.csv', '--issuer', 'HUB'], {
      cwd: dir,
      env: { ...env, HALLMARK_KEY_PASSPHRASE: 'not the passphrase at all' },
    });
    expect(wrongKey.status).toBe(4);
    expect(wrongKey.stderr).toMatch(/^hallmark: cannot open the private key: wrong passphrase/);

    const printed = hallmark(
      ['print', '--import', 'export.csv.report.jsonl', '--out', 'cards.pdf'],
      { cwd: dir, env },
    );
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/cards\.pdf: 5 cards on 1 pages \(sheet\), QR module 0\.\d+ mm/);
    execFileSync('pdftoppm', ['-r', '300', '-png', join(dir, 'cards.pdf'), join(dir, 'page')]);
    const page = readdirSync(dir).find((f) => f.startsWith('page') && f.endsWith('.png'))!;
    // zbarimg may report one symbol twice on a 300 dpi page (seen once in many runs): five
    // distinct codes must decode, and nothing else.
    const decoded = [...new Set(zbarDecode(readFileSync(join(dir, page))))];
    expect(decoded).toHaveLength(5);
    for (const text of decoded) expect(text).toMatch(/^HTTPS:\/\/VERIFY\.HALLMARK\.EXAMPLE\/#\d+$/);

    const stolen = hallmark(
      ['report-stolen', 'HB26A0100001', '--issuer', 'HUB', '--reason', 'test'],
      { cwd: dir, env },
    );
    expect(stolen.stdout).toBe('HB26A0100001: stolen\n');
    const check = hallmark(['check', 'HB26A0100001', '--issuer', 'HUB'], { cwd: dir, env });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('AUTHENTIC, status STOLEN');
  });

  it('says what to do: a fresh registry, a brand that is not there, an empty file, an Excel export', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallmark-mfg-'));
    const env = { HALLMARK_DB: testDbLocation(dir, 'h.db'), HALLMARK_KEY_PASSPHRASE: PASSPHRASE };
    // Copies: an import writes its report beside the file.
    const fixture = (name: string) => {
      copyFileSync(join(REPO, 'test/fixtures/erp', name), join(dir, name));
      return join(dir, name);
    };
    const fresh = hallmark(['import', fixture('api-fields-utf8-bom.csv')], { cwd: dir, env });
    expect(fresh.status).toBe(2);
    expect(fresh.stderr).toMatch(
      /^hallmark: the registry \S+ has no brand yet: start the service once \(npm start\).*hallmark brands add --code DEMO/,
    );
    expect(
      hallmark(['brands', 'add', '--code', 'HUB', '--name', 'Hublot'], { cwd: dir, env }).status,
    ).toBe(0);
    const noBrand = hallmark(['import', fixture('api-fields-utf8-bom.csv')], {
      cwd: dir,
      env: { ...env, HALLMARK_ISSUER: 'DEMO' },
    });
    expect(noBrand.stderr).toMatch(/none: choose one with --issuer \(or HALLMARK_ISSUER\): HUB$/m);
    expect(noBrand.status).toBe(2);
    // Flags the import thread checks (the mapping, the brand code): a one-line answer, and
    // nothing read, issued or reported.
    const csv = fixture('api-fields-utf8-bom.csv');
    for (const [flags, message] of [
      [
        ['--mapping', 'oracle'],
        'mapping "oracle" is neither built in (default, sap) nor a readable JSON file',
      ],
      [['--issuer', 'hub!'], '--issuer must be 2-8 upper-case letters or digits'],
    ] as const) {
      const refused = hallmark(['import', csv, ...flags], { cwd: dir, env });
      expect(refused.stderr).toMatch(new RegExp(`^hallmark: ${message.replace(/[()]/g, '\\$&')}`));
      expect(refused.status).toBe(2);
      expect(existsSync(`${csv}.report.jsonl`)).toBe(false);
    }
    for (const [file, message] of [
      ['empty.csv', 'is empty: nothing to import'],
      ['header-only.csv', 'has a header and no rows: nothing to import'],
    ])
      expect(
        hallmark(['import', fixture(file!), '--issuer', 'HUB'], { cwd: dir, env }),
      ).toMatchObject({
        status: 2,
        stderr: expect.stringContaining(`hallmark: ${fixture(file!)} ${message}\n`),
      });
    const excel = hallmark(
      [
        'import',
        fixture('excel-unicode-text-de.txt'),
        '--mapping',
        fixture('sap-labels-de.mapping.json'),
      ],
      { cwd: dir, env },
    );
    expect(excel.stdout).toContain('6 rows: issued 3, already existed 0, rejected 3');
    expect(excel.status).toBe(3);
    const mappingDe = fixture('sap-labels-de.mapping.json');
    const workbook = hallmark(['import', fixture('sap-labels-de.xlsx'), '--mapping', mappingDe], {
      cwd: dir,
      env,
    });
    expect(workbook).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(
        /has 2 sheets \(Info, Seriennummern\): choose one with --sheet/,
      ),
    });
    const sheet = hallmark(
      ['import', fixture('sap-labels-de.xlsx'), '--mapping', mappingDe, '--sheet', 'Seriennummern'],
      { cwd: dir, env },
    );
    expect(sheet.stdout).toContain('8 rows: issued 3, already existed 0, rejected 5');
    copyFileSync(fixture('header-only.csv'), join(dir, 'not-a-workbook.xlsx'));
    expect(hallmark(['import', 'not-a-workbook.xlsx'], { cwd: dir, env })).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/not-a-workbook\.xlsx is not a readable \.xlsx workbook/),
    });
  });
});
