/**
 * The import's file reader, started ahead of its consumer (the import thread starts it before
 * loading the registry): it reads a bounded window ahead, hands every row over once, in order,
 * and its thread goes with close(), whether the rows were read or not.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startRowReader } from '../../server/import/row-reader.ts';
import { linux, threadNames } from '../helpers/threads.ts';

const readers = () =>
  linux ? threadNames().filter((name) => name === 'hm-read').length : undefined;

function csv(rows: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'hallmark-reader-')), 'rows.csv');
  let text = 'serial,model\n';
  for (let i = 0; i < rows; i++) text += `S${i},Model ${i}\n`;
  writeFileSync(file, text);
  return file;
}

describe('a file reader started ahead', () => {
  it('hands over every row once, in order, header first, after reading ahead meanwhile', async () => {
    const reader = startRowReader(csv(12_000), { format: 'csv', encoding: 'utf-8' });
    // The consumer is busy elsewhere (loading its modules) while the reader works.
    await sleep(300);
    const header: string[][] = [];
    const serials: string[] = [];
    let batches = 0;
    for await (const batch of reader.batches((columns) => header.push(columns))) {
      batches++;
      for (const row of batch) serials.push(String(row.record!.serial));
    }
    expect(header).toEqual([['serial', 'model']]);
    expect(serials).toHaveLength(12_000);
    expect(serials.every((serial, i) => serial === `S${i}`)).toBe(true);
    // Handed over in the reader's batches, not one await per row.
    expect(batches).toBeGreaterThan(1);
    expect(batches).toBeLessThan(1_000);
    await expect(reader.batches().next()).rejects.toThrow('read once');
  });

  it('closed before its rows are read (the job failed first): its thread is gone', async () => {
    const before = readers();
    const reader = startRowReader(csv(50_000), { format: 'csv', encoding: 'utf-8' });
    // Its thread is up (named) once it reads: waited for, not assumed after a delay.
    for (
      let waited = 0;
      before !== undefined && readers() === before && waited < 10_000;
      waited += 20
    )
      await sleep(20);
    if (before !== undefined) expect(readers()).toBe(before + 1);
    await reader.close();
    await reader.close(); // twice: nothing more
    if (before !== undefined) expect(readers()).toBe(before);
  });

  it('a missing file is told when the rows are read, with its code', async () => {
    const reader = startRowReader(join(tmpdir(), 'no-such-export.csv'), {
      format: 'csv',
      encoding: 'utf-8',
    });
    await expect(reader.batches().next()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
