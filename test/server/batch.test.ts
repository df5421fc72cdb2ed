/** POST /api/v1/certificates/batch: per-item results, Idempotency-Key, limits. */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import { parseWatchInput } from '../../shared/watch-input.ts';
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

describe('batches in slices', () => {
  it('a second request with the key of a batch still being written is told so (409), then replays', async () => {
    const svc = testService();
    const token = svc.token(['issue']);
    const body = {
      items: Array.from({ length: 400 }, (_, i) =>
        watchBody({ serial: `SLICE${String(i).padStart(5, '0')}` }),
      ),
    };
    const send = () =>
      request(svc.app)
        .post('/api/v1/certificates/batch')
        .set('Authorization', `Bearer ${token}`)
        .set('Idempotency-Key', 'sliced-1')
        .send(body);
    const first = send().then((r) => r);
    // Let the first request start writing, without waiting for it to finish.
    while (
      svc.registry.db
        .prepare("SELECT count(*) FROM idempotency_keys WHERE key = 'sliced-1'")
        .pluck()
        .get() === 0
    )
      await new Promise((r) => setImmediate(r));
    const second = await send();
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect((await first).body.issued).toBe(400);
    const replay = await send();
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.issued).toBe(400);
  });

  it("a dead request's pending key is taken over after a minute: nothing lost, nothing duplicated", async () => {
    const svc = testService();
    const token = svc.token(['issue']);
    const tokenId = token.slice(4, 16);
    // What a crash after two slices leaves: those certificates, and the key pending.
    const items = Array.from({ length: 80 }, (_, i) =>
      watchBody({ serial: `DEAD${String(i).padStart(5, '0')}` }),
    );
    const issuing = new IssuingService(svc.registry);
    for (const item of items.slice(0, 50)) issuing.issue(parseWatchInput(item), 'HUB', 'test');
    svc.registry.db
      .prepare(
        "INSERT INTO idempotency_keys (token_id, key, request_hash, status, response, created_at) VALUES (?, 'dead-1', ?, 0, '', ?)",
      )
      .run(
        tokenId,
        createHash('sha256').update(JSON.stringify({ items })).digest('hex'),
        svc.clock.now,
      );
    const send = () =>
      request(svc.app)
        .post('/api/v1/certificates/batch')
        .set('Authorization', `Bearer ${token}`)
        .set('Idempotency-Key', 'dead-1')
        .send({ items });
    expect((await send()).status).toBe(409);
    svc.clock.now += 61;
    const retried = await send();
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ issued: 30, existing: 50, rejected: 0 });
    expect(svc.registry.certificates.count()).toBe(80);
  });
});
