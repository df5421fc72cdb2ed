/** 64 concurrent requests for one new serial: exactly one certificate; every caller gets it or a clean 409. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, testService, watchBody } from '../helpers/service.ts';

describe('concurrent issuing of one serial', () => {
  const svc = testService();
  const token = svc.token(['issue']);
  let http: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    http = await listen(svc.app);
  });
  afterAll(() => http.close());

  const post = (body: object) =>
    fetch(`${http.url}/api/v1/certificates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  it('64 identical requests → one 201, 63 × 200, one row, one audit event', async () => {
    const results = await Promise.all(
      Array.from({ length: 64 }, () => post(watchBody({ serial: 'RACE0001' }))),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(63);
    expect(new Set(results.map((r) => r.body.jws)).size).toBe(1);
    const rows = svc.registry.db
      .prepare("SELECT count(*) AS n FROM certificates WHERE serial = 'RACE0001'")
      .get() as { n: number };
    expect(rows.n).toBe(1);
    expect(svc.registry.events.forSerial('RACE0001')).toHaveLength(1);
  });

  it('64 requests with two different details → one certificate; the others 200 or a clean 409', async () => {
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        post(watchBody({ serial: 'RACE0002', model: i % 2 ? 'Model A' : 'Model B' })),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    const winner = (created[0]!.body.claims as { mdl: string }).mdl;
    for (const r of results) {
      if (r.status === 409)
        expect((r.body.error as { code: string; fields: { path: string }[] }).fields[0]!.path).toBe(
          'model',
        );
      else expect((r.body.claims as { mdl: string }).mdl).toBe(winner);
    }
    expect(results.filter((r) => r.status === 409)).toHaveLength(32);
    const rows = svc.registry.db
      .prepare("SELECT count(*) AS n FROM certificates WHERE serial = 'RACE0002'")
      .get() as { n: number };
    expect(rows.n).toBe(1);
  });
});
