/** The ERP importer on messy real-world exports: every defect reported with its line, valid rows issued. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../shared/verify.ts';
import { certificateLeaf } from '../../shared/tlog/entry.ts';
import { treeHash } from '../../shared/tlog/merkle.ts';
import { ImportError, runImport, type ImportOptions } from '../../server/import/importer.ts';
import { BUILT_IN_MAPPINGS, loadMapping } from '../../server/import/mapping.ts';
import { REPO } from '../helpers/cli.ts';
import { testService, watchBody } from '../helpers/service.ts';

const FIXTURES = join(REPO, 'test', 'fixtures', 'erp');
const dir = mkdtempSync(join(tmpdir(), 'hallmark-import-'));

function options(file: string, overrides: Partial<ImportOptions> = {}): ImportOptions {
  return {
    file: join(FIXTURES, file),
    format: file.endsWith('.jsonl') ? 'jsonl' : 'csv',
    encoding: 'utf-8',
    mapping: BUILT_IN_MAPPINGS.default!,
    dryRun: false,
    reportPath: join(dir, `${file}.${Math.random().toString(36).slice(2)}.report.jsonl`),
    actor: 'test:import',
    defaultIssuer: 'HUB',
    now: () => Math.floor(Date.now() / 1000) - 60,
    signerThreads: 2,
    ...overrides,
  };
}

const readReport = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          type: string;
          line?: number;
          serial?: string;
          fields?: { path: string; message: string }[];
        },
    );

const rejectedByLine = (report: ReturnType<typeof readReport>) =>
  Object.fromEntries(
    report
      .filter((r) => r.type === 'rejected')
      .map((r) => [r.line, r.fields!.map((f) => `${f.path}: ${f.message}`).join('; ')]),
  );

describe('SAP export, Windows-1252, ; delimiter, CRLF', () => {
  const svc = testService();
  const sap = options('sap-export-cp1252.csv', {
    mapping: BUILT_IN_MAPPINGS.sap!,
    encoding: 'windows-1252',
  });

  it('reports each defect with its line number, field and reason, and issues the valid rows', async () => {
    const summary = await runImport(svc.registry, sap);
    expect(summary).toMatchObject({ rows: 10, issued: 5, existing: 0, rejected: 5 });
    const report = readReport(sap.reportPath);
    expect(rejectedByLine(report)).toEqual({
      6: 'serial: is required',
      7: 'serial: duplicate of line 3 in this file',
      8: 'manufacturedOn: is not a real calendar date',
      9: 'model: must be at most 64 characters',
      12: '(line): has 4 fields, the header has 7',
    });
    const issued = report.filter((r) => r.type === 'issued');
    expect(issued.map((r) => r.line)).toEqual([2, 3, 5, 11, 13]);
    // Each issued line names the certificate's place in the public log, as the registry has it.
    for (const r of issued as unknown as { serial: string; logIndex: number }[])
      expect(r.logIndex).toBe(svc.registry.certificates.findLatest('HUB', r.serial)!.logIndex);
    expect(new Set(issued.map((r) => (r as unknown as { logIndex: number }).logIndex)).size).toBe(
      5,
    );
    expect(report.at(-1)).toMatchObject({ type: 'summary', issued: 5, rejected: 5 });
  });

  it('decodes Windows-1252, trims trailing spaces, keeps quoted commas and quotes', () => {
    const get = (serial: string) =>
      svc.registry.certificates.findLatest('HUB', serial)!.certificate.claims;
    expect(get('HB26A0100003')).toMatchObject({
      ref: '411.NX.1170.RX',
      mdl: 'Classic Fusion Élégance',
      cas: 'Or rosé',
      mfd: '2026-03-04',
    });
    expect(get('HB26A0100002').mdl).toBe('Big Bang Unico, Titanium');
    expect(get('HB26A0100008').mdl).toBe('MP-11 "Power Reserve"');
    expect(get('HB26A0100006').cas).toBe('Céramique');
  });

  it('every issued certificate verifies, and each issue is audited with its line', () => {
    const keys = svc.registry.keys.trustedKeys();
    for (const record of svc.registry.certificates.all())
      expect(verify(record.certificate.jws, keys, { now: new Date() }).ok).toBe(true);
    // The log leaves that the signing threads computed are each certificate's, by the shared
    // definition (noble's SHA-256), at the index the certificate records.
    const leaves = svc.registry.db
      .prepare(
        'SELECT e.idx, e.leaf, c.jws, c.log_index FROM log_entries e JOIN certificates c ON c.id = e.certificate_id',
      )
      .all() as { idx: number; leaf: Buffer; jws: string; log_index: number }[];
    expect(leaves).toHaveLength(5);
    for (const row of leaves) {
      expect(row.idx).toBe(row.log_index);
      expect(Buffer.from(row.leaf)).toEqual(Buffer.from(certificateLeaf(row.jws)));
    }
    expect(svc.registry.events.forSerial('HB26A0100003')[0]).toMatchObject({
      action: 'certificate.issued',
      actor: 'test:import',
      detail: { line: 5 },
    });
  });

  it('a rerun issues nothing: the valid rows already exist, the bad ones are reported again', async () => {
    const again = await runImport(svc.registry, { ...sap, reportPath: `${sap.reportPath}.2` });
    expect(again).toMatchObject({ issued: 0, existing: 5, rejected: 5 });
    expect(svc.registry.certificates.count()).toBe(5);
  });

  it('--dry-run validates and reports without issuing', async () => {
    const fresh = testService();
    const dry = await runImport(fresh.registry, {
      ...sap,
      dryRun: true,
      reportPath: `${sap.reportPath}.dry`,
    });
    expect(dry).toMatchObject({ issued: 5, rejected: 5, dryRun: true });
    expect(fresh.registry.certificates.count()).toBe(0);
  });
});

describe('an import across the log’s tiles', () => {
  it('leaves the log the Merkle tree of its certificates, tiles completed inside and across chunks', async () => {
    const svc = testService();
    const file = join(dir, 'tiles.csv');
    const rows = Array.from(
      { length: 700 },
      (_, i) =>
        `TILE${String(i).padStart(6, '0')},441.NX.1170.RX,Big Bang Unico 42 mm,King Gold,HUB1280,2026-03-02`,
    );
    writeFileSync(
      file,
      `serial,reference,model,caseMaterial,calibre,manufacturedOn\n${rows.join('\n')}\n`,
    );
    // Chunks of 200: the tile of leaves 0-255 completes inside the second chunk, that of
    // 256-511 across the third and the second's tail.
    const summary = await runImport(svc.registry, {
      ...options('tiles.csv', { chunkSize: 200 }),
      file,
    });
    expect(summary.issued).toBe(700);
    const jws = (
      svc.registry.db.prepare('SELECT jws FROM certificates ORDER BY log_index').all() as {
        jws: string;
      }[]
    ).map((r) => r.jws);
    const leaves = jws.map(certificateLeaf);
    for (const size of [255, 256, 257, 511, 512, 700])
      expect(Buffer.from(svc.registry.log.root(size)), `size ${size}`).toEqual(
        Buffer.from(treeHash(leaves, 0, size)),
      );
  });
});

describe('other formats', () => {
  it('UTF-8 with BOM and the API field names', async () => {
    const svc = testService();
    const o = options('api-fields-utf8-bom.csv');
    expect(await runImport(svc.registry, o)).toMatchObject({ rows: 4, issued: 3, rejected: 1 });
    expect(rejectedByLine(readReport(o.reportPath))).toEqual({
      4: 'manufacturedOn: is not a real calendar date',
    });
    expect(
      svc.registry.certificates.findLatest('HUB', 'OM26B0000002')!.certificate.claims,
    ).toMatchObject({ mdl: 'Speedmaster Moonwatch Ω', cas: 'Sedna™ Gold' });
    expect(
      svc.registry.certificates.findLatest('HUB', 'OM26B0000001')!.certificate.claims.mdl,
    ).toBe('Seamaster Diver 300M, Co-Axial');
  });

  it('JSON Lines: a broken line is reported; fields the mapping does not name are ignored, as in CSV exports', async () => {
    const svc = testService();
    const o = options('watches.jsonl');
    expect(await runImport(svc.registry, o)).toMatchObject({ rows: 4, issued: 3, rejected: 1 });
    const rejected = rejectedByLine(readReport(o.reportPath));
    expect(Object.keys(rejected)).toEqual(['2']);
    expect(rejected[2]).toMatch(/^\(line\): is not valid JSON/);
    expect(svc.registry.certificates.findLatest('HUB', 'TD26C0000003')).toBeDefined();
  });

  it('a mapping file with other column names and YYYYMMDD dates', async () => {
    const svc = testService();
    const file = join(dir, 'custom.csv');
    writeFileSync(
      file,
      'Serie\tRef\tDesignation\tBoite\tCalibre\tDate\nPP26D000001\t5711/1A-010\tNautilus\tAcier\t26-330 S C\t20260105\nPP26D000002\t5711/1A-010\tNautilus\tAcier\t26-330 S C\t20261305\n',
    );
    const mappingFile = join(dir, 'mapping.json');
    writeFileSync(
      mappingFile,
      JSON.stringify({
        columns: {
          serial: 'Serie',
          reference: 'Ref',
          model: 'Designation',
          caseMaterial: 'Boite',
          calibre: 'Calibre',
          manufacturedOn: 'Date',
        },
        dateFormat: 'YYYYMMDD',
      }),
    );
    const o = { ...options('x.csv'), file, mapping: loadMapping(mappingFile) };
    expect(await runImport(svc.registry, o)).toMatchObject({ issued: 1, rejected: 1 });
    expect(svc.registry.certificates.findLatest('HUB', 'PP26D000001')!.certificate.claims.mfd).toBe(
      '2026-01-05',
    );
  });

  it('refuses a file without the mapped columns before touching anything, and a bad mapping file', async () => {
    const svc = testService();
    await expect(
      runImport(svc.registry, options('sap-export-cp1252.csv', { encoding: 'windows-1252' })),
    ).rejects.toThrow(ImportError);
    await expect(
      runImport(svc.registry, options('sap-export-cp1252.csv', { encoding: 'windows-1252' })),
    ).rejects.toThrow(/no column "serial"/);
    expect(svc.registry.certificates.count()).toBe(0);
    writeFileSync(join(dir, 'bad-mapping.json'), JSON.stringify({ columns: { serial: 'S' } }));
    expect(() => loadMapping(join(dir, 'bad-mapping.json'))).toThrow(/columns.reference/);
  });
});

describe('an export for several brands', () => {
  it("signs each brand's rows with that brand's key, and refuses rows for a brand the registry does not have", async () => {
    const svc = testService({ brands: ['ZEN'] });
    const file = join(dir, 'group.csv');
    writeFileSync(
      file,
      [
        'serial,reference,model,caseMaterial,calibre,manufacturedOn,issuer',
        'GRP0000001,441.NX.1170.RX,Big Bang Unico 42 mm,King Gold,HUB1280,2026-03-02,',
        'GRP0000002,03.3100.3600,Chronomaster Sport,Steel,El Primero 3600,2026-02-01,ZEN',
        'GRP0000003,03.3100.3600,Chronomaster Sport,Steel,El Primero 3600,2026-02-01,zen',
        'GRP0000004,126610LN,Submariner,Oystersteel,3235,2026-01-02,ROLEX',
      ].join('\n'),
    );
    const summary = await runImport(svc.registry, options('x.csv', { file }));
    expect(summary).toMatchObject({ rows: 4, issued: 3, rejected: 1 });
    const report = readReport(summary.report);
    expect(rejectedByLine(report)).toEqual({
      5: 'issuer: is not a brand of this registry (ROLEX)',
    });
    const keys = svc.registry.keys.trustedKeys();
    const byBrand = Object.fromEntries(
      ['HUB', 'ZEN'].map((b) => [b, svc.registry.keys.active(b).kid]),
    );
    for (const [brand, serial] of [
      ['HUB', 'GRP0000001'],
      ['ZEN', 'GRP0000002'],
      ['ZEN', 'GRP0000003'],
    ] as const) {
      const record = svc.registry.certificates.findLatest(brand, serial)!;
      expect(record.kid).toBe(byBrand[brand]);
      expect(verify(record.certificate.jws, keys, { now: new Date() })).toMatchObject({
        ok: true,
        claims: { iss: brand },
      });
    }
    // Each brand's indexes come from its own status lists.
    const lists = svc.registry.db
      .prepare('SELECT DISTINCT brand FROM status_lists ORDER BY brand')
      .pluck()
      .all();
    expect(lists).toEqual(['HUB', 'ZEN']);
  });
});

describe('bounded input', () => {
  it('an overlong line is reported by its line number; the rows after it are still issued (CSV and JSON Lines)', async () => {
    const svc = testService();
    const header = 'serial,reference,model,caseMaterial,calibre,manufacturedOn';
    const row = (serial: string) =>
      `${serial},441.NX.1170.RX,Big Bang,King Gold,HUB1280,2026-03-02`;
    const csv = join(dir, 'overlong.csv');
    writeFileSync(
      csv,
      [header, row('LONG000001'), `LONG000002,"${'x'.repeat(300_000)}`, row('LONG000003'), ''].join(
        '\n',
      ),
    );
    const summary = await runImport(svc.registry, options('x.csv', { file: csv }));
    expect(summary).toMatchObject({ rows: 3, issued: 2, rejected: 1 });
    expect(rejectedByLine(readReport(summary.report))).toEqual({
      3: '(line): is 300012 characters long, over the 65536 allowed',
    });
    const jsonl = join(dir, 'overlong.jsonl');
    const item = (serial: string) => JSON.stringify(watchBody({ serial }));
    writeFileSync(
      jsonl,
      [
        item('LONG000011'),
        JSON.stringify({ serial: 'LONG000012', pad: 'y'.repeat(100_000) }),
        item('LONG000013'),
      ].join('\n'),
    );
    const j = await runImport(svc.registry, options('x.jsonl', { file: jsonl }));
    expect(j).toMatchObject({ rows: 3, issued: 2, rejected: 1 });
    expect(Object.keys(rejectedByLine(readReport(j.report)))).toEqual(['2']);
  });

  it('a quoted field over two lines and blank lines: every row keeps its line number in the file', async () => {
    const svc = testService();
    const csv = join(dir, 'multiline.csv');
    writeFileSync(
      csv,
      [
        'serial,reference,model,caseMaterial,calibre,manufacturedOn',
        'ML00000001,441.NX.1170.RX,Big Bang,King Gold,HUB1280,2026-03-02',
        'ML00000002,441.NX.1170.RX,"Big Bang',
        'Unico",King Gold,HUB1280,2026-03-02',
        '',
        'ML00000003,441.NX.1170.RX,Big Bang,King Gold,HUB1280,2026-02-30',
        'ML00000004,441.NX.1170.RX,Big Bang,King Gold,HUB1280,2026-03-02',
        '',
      ].join('\r\n'),
    );
    const summary = await runImport(svc.registry, options('x.csv', { file: csv }));
    expect(summary).toMatchObject({ rows: 4, issued: 3, rejected: 1 });
    const report = readReport(summary.report);
    expect(rejectedByLine(report)).toEqual({
      6: 'manufacturedOn: is not a real calendar date',
    });
    // A record over several lines is numbered by the line it ends on.
    expect(report.filter((r) => r.type === 'issued').map((r) => [r.line, r.serial])).toEqual([
      [2, 'ML00000001'],
      [4, 'ML00000002'],
      [7, 'ML00000004'],
    ]);
    expect(svc.registry.certificates.findLatest('HUB', 'ML00000002')!.certificate.claims.mdl).toBe(
      'Big Bang Unico',
    );
  });
});

describe('exports as Excel and ERP installations write them', () => {
  it('Excel "Unicode Text" (UTF-16LE with BOM, tabs) with German SAP labels: encoding and delimiter found, defects by line', async () => {
    const svc = testService();
    const summary = await runImport(
      svc.registry,
      options('excel-unicode-text-de.txt', {
        encoding: 'auto',
        mapping: loadMapping(join(FIXTURES, 'sap-labels-de.mapping.json')),
      }),
    );
    expect(summary).toMatchObject({ rows: 6, issued: 3, rejected: 3 });
    expect(rejectedByLine(readReport(summary.report))).toEqual({
      4: 'serial: is required',
      5: 'manufacturedOn: is not a real calendar date',
      6: 'serial: duplicate of line 3 in this file',
    });
    const issued = svc.registry.certificates.findLatest('HUB', 'HB26D0100004')!;
    expect(issued.certificate.claims).toMatchObject({
      mdl: 'Classic Fusion Größe 45',
      cas: 'Keramik',
      mfd: '2026-03-05',
    });
    expect(
      svc.registry.certificates.findLatest('HUB', 'HB26D0100001')!.certificate.claims.cas,
    ).toBe('Roségold');
  });

  it('UTF-16BE with BOM, and French SAP labels in UTF-8 with BOM and DD/MM/YYYY dates', async () => {
    const svc = testService();
    const be = await runImport(
      svc.registry,
      options('api-fields-utf16be-bom.csv', { encoding: 'auto' }),
    );
    expect(be).toMatchObject({ rows: 3, issued: 2, rejected: 1 });
    expect(rejectedByLine(readReport(be.report))).toEqual({
      3: 'manufacturedOn: is not a real calendar date',
    });
    expect(
      svc.registry.certificates.findLatest('HUB', 'HB26F0100001')!.certificate.claims.mdl,
    ).toBe('Big Bang Unico Édition');
    const fr = await runImport(
      svc.registry,
      options('sap-labels-fr.csv', {
        encoding: 'auto',
        mapping: loadMapping(join(FIXTURES, 'sap-labels-fr.mapping.json')),
      }),
    );
    expect(fr).toMatchObject({ rows: 2, issued: 1, rejected: 1 });
    expect(rejectedByLine(readReport(fr.report))).toEqual({ 3: 'caseMaterial: is required' });
    expect(
      svc.registry.certificates.findLatest('HUB', 'HB26R0100001')!.certificate.claims,
    ).toMatchObject({ mdl: 'Big Bang Unico Édition', cas: 'Or rose', mfd: '2026-03-02' });
  });

  it('an encoding named explicitly that the byte order mark contradicts is refused, not read as garbage', async () => {
    const svc = testService();
    for (const encoding of ['utf-8', 'windows-1252', 'utf-16be'] as const)
      await expect(
        runImport(svc.registry, options('excel-unicode-text-de.txt', { encoding })),
      ).rejects.toThrow(/starts with a UTF-16LE byte order mark: it is not/);
    expect(svc.registry.certificates.count()).toBe(0);
  });

  it('an empty file, or a header without rows, is an error, and nothing is written', async () => {
    const svc = testService();
    await expect(runImport(svc.registry, options('empty.csv'))).rejects.toThrow(
      /empty\.csv is empty: nothing to import/,
    );
    await expect(runImport(svc.registry, options('header-only.csv'))).rejects.toThrow(
      /header-only\.csv has a header and no rows: nothing to import/,
    );
    writeFileSync(join(dir, 'blank.jsonl'), '\n\n');
    await expect(
      runImport(svc.registry, options('blank.jsonl', { file: join(dir, 'blank.jsonl') })),
    ).rejects.toThrow(ImportError);
    expect(svc.registry.certificates.count()).toBe(0);
  });
});

describe('an Excel workbook (.xlsx), read as a stream', () => {
  const mapping = () => loadMapping(join(FIXTURES, 'sap-labels-de.mapping.json'));
  it('with several sheets, asks which; the chosen sheet imports with defects by row number', async () => {
    const svc = testService();
    const xlsx = (sheet?: string) =>
      options('sap-labels-de.xlsx', {
        format: 'xlsx',
        mapping: mapping(),
        ...(sheet === undefined ? {} : { sheet }),
      });
    await expect(runImport(svc.registry, xlsx())).rejects.toThrow(
      /has 2 sheets \(Info, Seriennummern\): choose one with --sheet/,
    );
    await expect(runImport(svc.registry, xlsx('Nope'))).rejects.toThrow(
      /has no sheet "Nope" \(sheets: Info, Seriennummern\)/,
    );
    expect(svc.registry.certificates.count()).toBe(0);
    const summary = await runImport(svc.registry, xlsx('Seriennummern'));
    expect(summary).toMatchObject({ rows: 8, issued: 3, rejected: 5 });
    expect(rejectedByLine(readReport(summary.report))).toEqual({
      4: 'serial: is required',
      5: 'manufacturedOn: is not a real calendar date',
      6: 'serial: duplicate of line 2 in this file',
      9: '(line): column "Kaliber" holds the Excel error #N/A',
      10: "(line): has a value in column 8, beyond the header's 7",
    });
    // Date cells, a numeric serial, rich text and a formula's value, as an export would write them.
    const claims = (serial: string) =>
      svc.registry.certificates.findLatest('HUB', serial)!.certificate.claims;
    expect(claims('HB26X0100001')).toMatchObject({ cas: 'Roségold', mfd: '2026-03-02' });
    expect(claims('12345678')).toMatchObject({ mdl: 'Big Bang Titanium', mfd: '2026-03-03' });
    expect(claims('HB26X0100005')).toMatchObject({ mdl: 'Spirit of Big Bang', cal: 'HUB4700' });
    // By position too; a rerun finds them all issued.
    const again = await runImport(svc.registry, xlsx('2'));
    expect(again).toMatchObject({ rows: 8, issued: 0, existing: 3, rejected: 5 });
  });
});
