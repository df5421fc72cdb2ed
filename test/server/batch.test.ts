/** POST /api/v1/certificates/batch: per-item results, Idempotency-Key, limits. */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { testService, watchBody } from '../helpers/service.ts';

const svc = testService();
const token = svc.token(['issue'], 'erp-batch');
const batch = (body: unknown, key?: string, t = token) => {
  let r = request(svc.app).post('/api/v1/certificates/batch').set('Authorization', `Bearer ${t}`);
  if (key !== undefined) r = r.set('Idempotency-Key', key);
  return r.send(body as object);
};
const count = () => svc.registry.certificates.count();

describe('batch issuing', () => {
  it('mixed good and bad items: per-item results, one bad item sinks nothing', async () => {
    const items = [
      watchBody({ serial: 'BATCH0001' }),
      { serial: 'BATCH0002', model: 'no other fields' },
      watchBody({ serial: 'BATCH0003', manufacturedOn: '2026-02-30' }),
      watchBody({ serial: 'BATCH0004' }),
    ];
    const res = await batch({ items }, 'order-4711');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ issued: 2, existing: 0, rejected: 2 });
    expect(res.body.items.map((i: { status: string }) => i.status)).toEqual([
      'issued',
      'rejected',
      'rejected',
      'issued',
    ]);
    expect(res.body.items[1].error.fields.map((f: { path: string }) => f.path).sort()).toEqual([
      'calibre',
      'caseMaterial',
      'manufacturedOn',
      'reference',
    ]);
    expect(res.body.items[2].error).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: 'manufacturedOn' }],
    });
    expect(res.body.items[0].certificate).toMatchObject({ serial: 'BATCH0001', status: 'active' });
    expect(count()).toBe(2);
  });

  it('a repeated Idempotency-Key returns the same result and issues nothing new', async () => {
    const items = [watchBody({ serial: 'BATCH0005' }), watchBody({ serial: 'BATCH0006' })];
    const first = await batch({ items }, 'order-4712');
    const before = count();
    svc.clock.now += 120;
    const again = await batch({ items }, 'order-4712');
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(count()).toBe(before);
    // Without the stored answer, the same items would now come back as "existing".
    const fresh = await batch({ items }, 'order-4713');
    expect(fresh.body).toMatchObject({ issued: 0, existing: 2 });
  });

  it('the same key with another body is refused (422), and keys are per token', async () => {
    await batch({ items: [watchBody({ serial: 'BATCH0007' })] }, 'order-4714');
    const other = await batch({ items: [watchBody({ serial: 'BATCH0008' })] }, 'order-4714');
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const otherToken = svc.token(['issue'], 'other-client');
    expect(
      (await batch({ items: [watchBody({ serial: 'BATCH0008' })] }, 'order-4714', otherToken)).body
        .issued,
    ).toBe(1);
  });

  it('conflicting details within and across batches are rejected per item', async () => {
    const res = await batch(
      {
        items: [
          watchBody({ serial: 'BATCH0009' }),
          watchBody({ serial: 'BATCH0009', model: 'Different' }),
        ],
      },
      'order-4715',
    );
    expect(res.body.items.map((i: { status: string }) => i.status)).toEqual(['issued', 'rejected']);
    expect(res.body.items[1].error).toMatchObject({
      code: 'CONFLICT',
      fields: [{ path: 'model' }],
    });
  });

  it('1,001 items → 413 TOO_MANY_ITEMS; 1,000 are accepted', async () => {
    const many = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) =>
        watchBody({ serial: `${prefix}${String(i).padStart(5, '0')}` }),
      );
    const tooMany = await batch({ items: many(1001, 'BIG') }, 'order-big');
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatchObject({
      code: 'TOO_MANY_ITEMS',
      fields: [{ path: 'items' }],
    });
    const before = count();
    const full = await batch({ items: many(1000, 'FULL') }, 'order-full');
    expect(full.status).toBe(200);
    expect(full.body.issued).toBe(1000);
    expect(count()).toBe(before + 1000);
  }, 60_000);

  it('refuses a missing or malformed Idempotency-Key, an empty batch, and no token', async () => {
    const noKey = await batch({ items: [watchBody()] });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.fields[0].path).toBe('Idempotency-Key');
    expect((await batch({ items: [watchBody()] }, 'bad key with spaces')).status).toBe(400);
    const empty = await batch({ items: [] }, 'order-empty');
    expect(empty.status).toBe(400);
    expect(empty.body.error.fields[0].path).toBe('items');
    expect(
      (
        await request(svc.app)
          .post('/api/v1/certificates/batch')
          .set('Idempotency-Key', 'x')
          .send({ items: [] })
      ).status,
    ).toBe(401);
    expect((await batch({ items: [watchBody()] }, 'read-only', svc.token(['read']))).status).toBe(
      403,
    );
  });
});
