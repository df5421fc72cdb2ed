/**
 * Resale trust under attack (issue 10): each reproduction from the report, as a test that
 * failed before the fix. Owner lock-out, ownership takeover by an ERP token, serial
 * enumeration, over-deep JSON, blank and look-alike names, case-folded serials.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MAX_FAILED_ATTEMPTS } from '../../server/registry/ownership.ts';
import { testService, watchBody } from '../helpers/service.ts';

// Proxies are trusted here so that the tests can speak from many addresses (X-Forwarded-For).
const svc = testService({ config: { trustProxy: 1, claimRateLimit: 10 } });
const erp = svc.token(['issue'], 'erp');
const admin = svc.token(['admin'], 'brand-admin');
const retailer = svc.token(['report'], 'retailer-geneva');

const from = (address: string) => ({ 'X-Forwarded-For': address });
const post = (path: string, token?: string, body: object = {}, headers: object = {}) => {
  let r = request(svc.app)
    .post(path)
    .set(headers as Record<string, string>);
  if (token) r = r.set('Authorization', `Bearer ${token}`);
  return r.send(body);
};
const issue = async (serial: string, overrides: object = {}) => {
  const res = await post('/api/v1/certificates', erp, watchBody({ serial, ...overrides }));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { qr: string; jws: string; url: string };
};
const claimCode = async (serial: string) =>
  (await post(`/api/v1/certificates/${serial}/claim-code`, erp)).body.code as string;

describe('1. an attacker cannot lock the owner out', () => {
  it('100 wrong codes from 20 addresses: the real holder still claims at once', async () => {
    await issue('LOCK00001');
    const code = await claimCode('LOCK00001');
    const statuses = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const res = await post(
        '/api/v1/ownership/claim',
        undefined,
        { serial: 'LOCK00001', code: `AAAAA-AAAAA-AAAAA-${String(i).padStart(5, '0')}` },
        from(`203.0.113.${i % 20}`),
      );
      statuses.add(res.status);
    }
    expect([...statuses]).toEqual([403]); // refused, every one alike; never accepted
    const owner = await post(
      '/api/v1/ownership/claim',
      undefined,
      { serial: 'LOCK00001', code },
      from('198.51.100.7'),
    );
    expect(owner.status).toBe(201);
  });

  it('wrong owner keys never stop the owner from making a transfer code', async () => {
    await issue('LOCK00002');
    const code = await claimCode('LOCK00002');
    const { ownerKey } = (
      await post(
        '/api/v1/ownership/claim',
        undefined,
        { serial: 'LOCK00002', code },
        from('198.51.100.8'),
      )
    ).body;
    for (let i = 0; i < 3 * MAX_FAILED_ATTEMPTS; i++)
      await post(
        '/api/v1/ownership/transfer',
        undefined,
        { serial: 'LOCK00002', ownerKey: `own_${'x'.repeat(32)}${i}` },
        from(`203.0.113.${50 + i}`),
      );
    const transfer = await post(
      '/api/v1/ownership/transfer',
      undefined,
      { serial: 'LOCK00002', ownerKey },
      from('198.51.100.8'),
    );
    expect(transfer.status).toBe(201);
  });

  it('guessing stays infeasible: 10 failures a minute per address', async () => {
    await issue('LOCK00003');
    await claimCode('LOCK00003');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (
          await post(
            '/api/v1/ownership/claim',
            undefined,
            { serial: `GUESS${String(i).padStart(5, '0')}`, code: 'AAAAA-AAAAA-AAAAA-AAAAA' },
            from('192.0.2.99'),
          )
        ).status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 403)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    // At 10 guesses a minute per address against a 100-bit code, a million addresses need
    // 2^100 / (10 · 10^6 · 525,600 per year) ≈ 2.4 · 10^16 years for even odds.
  });
});

describe('2. ownership changes only with the owner, or an audited admin override', () => {
  it('an ERP token cannot issue a claim code for an owned watch; an admin can, with a reason', async () => {
    await issue('OWNED0001');
    const first = (
      await post('/api/v1/ownership/claim', undefined, {
        serial: 'OWNED0001',
        code: await claimCode('OWNED0001'),
      })
    ).body.ownerKey as string;
    const takeover = await post('/api/v1/certificates/OWNED0001/claim-code', erp);
    expect(takeover.status).toBe(409);
    expect(takeover.body.error.code).toBe('OWNED');
    expect(
      (
        await post('/api/v1/certificates/OWNED0001/claim-code', erp, {
          override: true,
          reason: 'x',
        })
      ).status,
    ).toBe(403);
    const noReason = await post('/api/v1/certificates/OWNED0001/claim-code', admin, {
      override: true,
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fields).toEqual([
      { path: 'reason', message: 'is required with an override' },
    ]);
    // The owner still holds the watch, with a working key.
    expect(
      (
        await post('/api/v1/ownership/transfer', undefined, {
          serial: 'OWNED0001',
          ownerKey: first,
        })
      ).status,
    ).toBe(201);
    const override = await post('/api/v1/certificates/OWNED0001/claim-code', admin, {
      override: true,
      reason: 'owner lost the key; identity checked at the boutique, ticket 4411',
    });
    expect(override.status).toBe(201);
    const event = svc.registry.db
      .prepare(
        "SELECT actor, reason, detail FROM events WHERE serial = 'OWNED0001' AND action = 'ownership.override_claim_code_issued'",
      )
      .get() as { actor: string; reason: string; detail: string };
    expect(event).toMatchObject({
      actor: 'token:brand-admin',
      reason: 'owner lost the key; identity checked at the boutique, ticket 4411',
    });
    expect(
      (
        await post('/api/v1/ownership/claim', undefined, {
          serial: 'OWNED0001',
          code: override.body.code,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await post('/api/v1/ownership/transfer', undefined, {
          serial: 'OWNED0001',
          ownerKey: first,
        })
      ).status,
    ).toBe(403);
  });
});

describe('3. no serial enumeration from public endpoints', () => {
  it('wrong ownership codes get the same answer for a watch that exists, has a code, or does not exist', async () => {
    await issue('ENUM00010');
    await issue('ENUM00011');
    await claimCode('ENUM00011');
    const answers = new Set<string>();
    for (const serial of ['ENUM00010', 'ENUM00011', 'ENUM99998'])
      for (let i = 0; i < MAX_FAILED_ATTEMPTS + 2; i++) {
        const res = await post(
          '/api/v1/ownership/claim',
          undefined,
          { serial, code: 'AAAAA-AAAAA-AAAAA-AAAAA' },
          from(`192.0.2.${10 + i}`),
        );
        answers.add(JSON.stringify([res.status, res.body]));
        const transfer = await post(
          '/api/v1/ownership/transfer',
          undefined,
          { serial, ownerKey: `own_${'y'.repeat(32)}` },
          from(`192.0.2.${40 + i}`),
        );
        answers.add(JSON.stringify([transfer.status, transfer.body.error.code]));
      }
    expect(answers.size).toBe(2);
    expect([...answers].map((a) => JSON.parse(a)[0])).toEqual([403, 403]);
  });

  it('without a token, existing and missing serials look alike, whatever ?issuer= says', async () => {
    await issue('ENUM00001');
    const answers = await Promise.all(
      [
        '/api/v1/certificates/ENUM00001/check',
        '/api/v1/certificates/ENUM99999/check',
        '/api/v1/certificates/ENUM00001/check?issuer=HUB',
        '/api/v1/certificates/ENUM00001/check?issuer=ZEN',
      ].map(async (path) => {
        const res = await request(svc.app).get(path);
        return [res.status, res.body] as const;
      }),
    );
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]![0]).toBe(401);
  });

  it('the public check answers only the holder of an issued certificate; all else is one 404', async () => {
    const cert = await issue('ENUM00002');
    const ok = await post('/api/v1/check', undefined, { certificate: cert.qr });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ serial: 'ENUM00002', authentic: true, status: 'active' });
    const digits = cert.qr.split('#')[1]!;
    const altered = `${digits.slice(0, -30)}${digits.at(-30) === '1' ? '2' : '1'}${digits.slice(-29)}`;
    const refused = await Promise.all(
      ['ENUM00002', 'ENUM99999', 'HB26A0012345', altered, 'x'.repeat(200)].map(async (c) => {
        const res = await post('/api/v1/check', undefined, { certificate: c });
        return JSON.stringify([res.status, res.body]);
      }),
    );
    expect(new Set(refused)).toEqual(
      new Set([
        JSON.stringify([
          404,
          { error: { code: 'NOT_FOUND', message: 'no Hallmark certificate matches' } },
        ]),
      ]),
    );
  });

  it("a certificate validly signed by the brand's key but never issued by the registry is not answered", async () => {
    const { signCertificate } = await import('../../shared/certificate.ts');
    const { toQr } = await import('../../shared/qr.ts');
    const { sampleClaims } = await import('../helpers/fixtures.ts');
    const key = svc.registry.keys.active('HUB');
    const rogue = signCertificate(
      sampleClaims({ sn: 'ROGUE0001', iat: svc.clock.now }),
      key.kid,
      key.sign,
    );
    const res = await post('/api/v1/check', undefined, {
      certificate: toQr(rogue, 'https://verify.hallmark.example/').text,
    });
    expect(res.status).toBe(404);
  });

  it('a retailer token checks by serial, for its brand', async () => {
    await issue('ENUM00003');
    const res = await request(svc.app)
      .get('/api/v1/certificates/ENUM00003/check')
      .set('Authorization', `Bearer ${retailer}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ serial: 'ENUM00003', status: 'active', owners: 0 });
  });
});

describe('5. the smaller ones', () => {
  it('a 5,000-deep JSON item is a 400, not a 500, on every JSON route', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    for (const [path, body] of [
      ['/api/v1/certificates/batch', { items: [deep] }],
      ['/api/v1/certificates', deep],
      ['/api/v1/check', { certificate: deep }],
      ['/api/v1/ownership/claim', deep],
    ] as const) {
      const res = await post(path, erp, body as object, { 'Idempotency-Key': 'deep-1' });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe('MALFORMED_JSON');
    }
  });

  it('names that render blank, mostly combining marks, or mixed-script look-alikes are refused', async () => {
    const blank = ['\u3164', '\uFFA0', '\u115F', '\u2800', 'A\u034F', 'Big\uFE0F Bang'];
    const overlays = `B${'\u20D2'.repeat(63)}`;
    const marksOnly = '\u0301\u0301';
    const lookAlike = ['Rоlex', 'Оmega Speedmaster', 'Sеamaster']; // Cyrillic о, О, е
    const cases = [...blank, overlays, marksOnly, ...lookAlike];
    for (const [i, model] of cases.entries()) {
      const res = await post(
        '/api/v1/certificates',
        erp,
        watchBody({ serial: `NAME${String(i).padStart(5, '0')}`, model }),
      );
      expect(res.status, JSON.stringify(model)).toBe(400);
      expect(
        res.body.error.fields.map((f: { path: string }) => f.path),
        JSON.stringify(model),
      ).toEqual(['model']);
    }
    // Real names in other scripts and with accents still pass.
    for (const [i, model] of [
      'Montre Café — Édition',
      'Часы Полёт',
      'Ω 300M',
      'Tiếng Việt 2 ấ',
    ].entries())
      expect(
        (
          await post(
            '/api/v1/certificates',
            erp,
            watchBody({ serial: `GOOD${String(i).padStart(5, '0')}`, model }),
          )
        ).status,
        model,
      ).toBe(201);
  });

  it('serials that need case folding outside ASCII are refused, not folded', async () => {
    for (const serial of ['ıd0001', 'ſn0001', 'ßN0001', 'ﬀ00001', 'İD0001']) {
      const res = await post('/api/v1/certificates', erp, watchBody({ serial }));
      expect(res.status, serial).toBe(400);
      expect(res.body.error.fields[0].path).toBe('serial');
    }
    expect(
      (await post('/api/v1/certificates', erp, watchBody({ serial: 'ab0001' }))).body.serial,
    ).toBe('AB0001');
    const read = await request(svc.app)
      .get('/api/v1/certificates/ıd0001')
      .set('Authorization', `Bearer ${svc.token(['read'])}`);
    expect(read.status).toBe(400);
  });
});
