/**
 * The brand store keeps rows it has read (a brand row never changes): what it keeps must stay
 * true. A brand added elsewhere is seen at once; a row read inside a transaction that is then
 * rolled back is not kept.
 */
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../server/registry/registry.ts';
import { PASSPHRASE, testService } from '../helpers/service.ts';
import { addTestBrand } from '../helpers/registry.ts';

describe('brands kept in memory', () => {
  it('a brand added by another process (another registry on the same database) is seen at once', () => {
    const svc = testService();
    const other = createRegistry(svc.registry.db, {
      passphrase: PASSPHRASE,
      legacyBrand: 'HUB',
      now: () => svc.clock.now,
    });
    expect(svc.registry.brands.get('NEWB')).toBeUndefined();
    expect(svc.registry.brands.has('NEWB')).toBe(false);
    addTestBrand(other, 'NEWB', { name: 'New Brand', publicUrl: 'https://newb.example/' });
    expect(svc.registry.brands.has('NEWB')).toBe(true);
    expect(svc.registry.brands.publicUrlOf('NEWB', 'https://fallback.example/')).toBe(
      'https://newb.example/',
    );
    // Kept now: the same object, no new read.
    expect(svc.registry.brands.get('NEWB')).toBe(svc.registry.brands.get('NEWB'));
  });

  it('a brand read inside a transaction that rolls back is not kept', () => {
    const svc = testService();
    const { db, brands } = svc.registry;
    expect(() =>
      db.transaction(() => {
        brands.add({ code: 'GONE', name: 'Gone' }, svc.clock.now);
        expect(brands.get('GONE')?.name).toBe('Gone');
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    expect(brands.get('GONE')).toBeUndefined();
    expect(brands.has('GONE')).toBe(false);
  });
});
