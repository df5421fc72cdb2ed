/**
 * The group commit writes the new certificates of a group together. One group (requests
 * queued in the same tick) mixing every case must answer each request as if it were alone:
 * new, the same watch twice, a conflict, an unknown brand, a brand with no key (which makes
 * the group write fail and the group fall back to one savepoint per certificate), two brands.
 */
import { describe, expect, it } from 'vitest';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import { parseWatchInput } from '../../shared/watch-input.ts';
import { testService, watchBody } from '../helpers/service.ts';

const watch = (serial: string, extra: Record<string, unknown> = {}) =>
  parseWatchInput(watchBody({ serial, ...extra }));

async function settle(promises: Promise<unknown>[]) {
  return (await Promise.allSettled(promises)).map((r) =>
    r.status === 'fulfilled'
      ? (r.value as { outcome: string }).outcome
      : ((r.reason as { code?: string; name?: string }).code ?? (r.reason as Error).name),
  );
}

describe('one group commit, every case at once', () => {
  it('answers each request as if alone, and writes one certificate per watch, each in the log', async () => {
    const svc = testService({ brands: ['ZEN'] });
    const issuing = new IssuingService(svc.registry);
    issuing.issue(watch('GROUP0000'), 'HUB', 'test'); // issued before the group
    const outcomes = await settle([
      issuing.issueQueued(watch('GROUP0001'), 'HUB', 'a'),
      issuing.issueQueued(watch('GROUP0001'), 'HUB', 'b'), // the same watch, same group
      issuing.issueQueued(watch('GROUP0001', { model: 'Other' }), 'HUB', 'c'),
      issuing.issueQueued(watch('GROUP0000'), 'HUB', 'd'),
      issuing.issueQueued(watch('GROUP0000', { model: 'Other' }), 'HUB', 'e'),
      issuing.issueQueued(watch('GROUP0002'), 'ZEN', 'f'),
      issuing.issueQueued(watch('GROUP0003'), 'NOPE', 'g'),
      issuing.issueQueued(watch('GROUP0004'), 'HUB', 'h'),
    ]);
    expect(outcomes).toEqual([
      'created',
      'existing',
      'CONFLICT',
      'existing',
      'CONFLICT',
      'created',
      'VALIDATION_FAILED',
      'created',
    ]);
    const rows = svc.registry.db
      .prepare(
        'SELECT c.serial, c.issuer, e.idx FROM certificates c JOIN log_entries e ON e.certificate_id = c.id ORDER BY e.idx',
      )
      .all();
    expect(rows).toEqual([
      { serial: 'GROUP0000', issuer: 'HUB', idx: 0 },
      { serial: 'GROUP0001', issuer: 'HUB', idx: 1 },
      { serial: 'GROUP0002', issuer: 'ZEN', idx: 2 },
      { serial: 'GROUP0004', issuer: 'HUB', idx: 3 },
    ]);
    // Each certificate's audit event names the caller who asked for it.
    const actors = svc.registry.db
      .prepare("SELECT serial, actor FROM events WHERE action = 'certificate.issued' ORDER BY id")
      .all();
    expect(actors).toEqual([
      { serial: 'GROUP0000', actor: 'test' },
      { serial: 'GROUP0001', actor: 'a' },
      { serial: 'GROUP0002', actor: 'f' },
      { serial: 'GROUP0004', actor: 'h' },
    ]);
  });

  it('a brand without a key fails alone: the rest of its group is written one by one', async () => {
    const svc = testService();
    svc.registry.brands.add({ code: 'NOKEY', name: 'No key' }, svc.clock.now);
    const issuing = new IssuingService(svc.registry);
    const outcomes = await settle([
      issuing.issueQueued(watch('ALONE0001'), 'HUB', 'a'),
      issuing.issueQueued(watch('ALONE0002'), 'NOKEY', 'b'),
      issuing.issueQueued(watch('ALONE0003'), 'HUB', 'c'),
    ]);
    expect(outcomes).toEqual(['created', 'NO_ACTIVE_KEY', 'created']);
    expect(
      svc.registry.db.prepare('SELECT serial FROM certificates ORDER BY id').pluck().all(),
    ).toEqual(['ALONE0001', 'ALONE0003']);
    expect(svc.registry.log.size()).toBe(2);
  });
});
