/**
 * The OpenAPI document against the app it describes:
 * - it is a valid OpenAPI 3.1 document (an independent validator, @seriousme/openapi-schema-validator);
 * - the app's router and the document name the same routes, walked from the router itself;
 * - real answers, successes and errors alike, have a documented status, media type and body:
 *   every JSON body is checked with Ajv (JSON Schema 2020-12) against the served document, and
 *   every documented status of every operation is produced at least once, except a few
 *   listed below with the reason they cannot be produced here.
 * And the reference page renders every operation, in Chromium, with no CSP violation.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Express } from 'express';
import request, { type Response } from 'supertest';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../helpers/db.ts';
import { createApp } from '../../server/http/app.ts';
import { createRegistry } from '../../server/registry/registry.ts';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import { openLogIdentity, publishCheckpoint } from '../../server/log/log-service.ts';
import { statusService } from '../../server/status/status-service.ts';
import { parseWatchInput } from '../../shared/watch-input.ts';
import { launchChromium } from '../helpers/browser.ts';
import { NOW } from '../helpers/fixtures.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { smtpMailer } from '../../server/mail/mailer.ts';
import { listen, PASSPHRASE, PUBLIC_URL, testService, watchBody } from '../helpers/service.ts';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;
interface Op {
  method: string;
  path: string;
  match: RegExp;
  responses: Record<string, Json>;
}

/** Documented statuses that these tests cannot produce, and why. */
const NOT_PRODUCED: Record<string, string> = {
  // Two requests with one Idempotency-Key racing each other: covered by test/server/batch.test.ts.
  'post /api/v1/certificates/batch 409': 'needs two concurrent batches',
};

const smtp = await startSmtp();
const svc = testService({
  brands: ['ZEN'],
  config: { stolenReportsPerHour: 1, claimRateLimit: 1000, recoveryRateLimit: 1000 },
  mailer: smtpMailer(smtp.url, 'no-reply@verify.hallmark.example'),
});
// No mail relay here: recovery answers 503 before its limit, 429 after.
const limited = testService({
  config: { publicRateLimit: 1, claimRateLimit: 1, recoveryRateLimit: 1 },
});
const issuing = new IssuingService(svc.registry);
const status = statusService(svc.registry);
let app: Express;
let limitedApp: Express;
let document: Json;
let ops: Op[];
const seen = new Set<string>();
const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }));

let n = 0;
/** A fresh HUB watch; its serial. */
const fresh = (then?: 'stolen' | 'revoked') => {
  const serial = `OAS${String(++n).padStart(6, '0')}`;
  issuing.issue(parseWatchInput(watchBody({ serial })), 'HUB', 'test');
  if (then === 'stolen') status.change('HUB', serial, 'stolen', 'test');
  if (then === 'revoked') status.change('HUB', serial, 'revoke', 'test', 'test');
  return serial;
};
const tokens = {
  issue: svc.token(['issue']),
  read: svc.token(['read']),
  report: svc.token(['report']),
  admin: svc.token(['admin']),
  zen: svc.token(['admin'], 'zen-admin', ['ZEN']),
  operator: svc.token(['admin'], 'operator', '*'),
};

/** The document's path template as a regular expression over request paths. */
const templateRegExp = (template: string) =>
  new RegExp(
    `^${template
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{tile\}/, '.+')
      .replace(/\{[^}]+\}/g, '[^/]+')}$`,
  );

/** Rewrites the document's local references so Ajv resolves them in the registered document. */
function absolute(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(absolute);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string'
        ? v.replace('#/components/schemas/', 'components#/$defs/')
        : absolute(v),
    ]),
  );
}

/** Checks one real answer against the document, and records what it covered. */
function conforms(res: Response, method: string, url: string): Response {
  const path = url.split('?')[0]!;
  const op = ops.find((o) => o.method === method && o.match.test(path));
  expect(op, `${method} ${path} is in the document`).toBeDefined();
  const answer = op!.responses[String(res.status)];
  expect(answer, `${method} ${op!.path}: status ${res.status} is documented`).toBeDefined();
  seen.add(`${method} ${op!.path} ${res.status}`);
  const content = answer!.content as Record<string, { schema?: Json }> | undefined;
  if (res.status === 304 || !content) {
    expect(res.text ?? '').toBe('');
    return res;
  }
  const type = String(res.headers['content-type'] ?? '').split(';')[0]!;
  const media = Object.keys(content);
  expect(
    media.includes(type) || media.includes('*/*'),
    `${method} ${op!.path} ${res.status}: ${type} is one of ${media.join(', ')}`,
  ).toBe(true);
  const schema = content[type]?.schema;
  if (type === 'application/json' && schema) {
    const validate = ajv.compile(absolute(schema) as Json);
    const body: unknown = res.body;
    const valid = validate(body);
    expect(
      valid,
      `${method} ${op!.path} ${res.status}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
    ).toBe(true);
  }
  return res;
}

interface Call {
  body?: unknown;
  raw?: string;
  type?: string;
  token?: keyof typeof tokens | string;
  headers?: Record<string, string>;
  on?: Express;
}
async function call(method: 'get' | 'post', url: string, c: Call = {}): Promise<Response> {
  let req = request(c.on ?? app)[method](url);
  if (c.token)
    req = req.set('Authorization', `Bearer ${tokens[c.token as keyof typeof tokens] ?? c.token}`);
  for (const [k, v] of Object.entries(c.headers ?? {})) req = req.set(k, v);
  if (c.raw !== undefined) req = req.set('Content-Type', c.type ?? 'text/plain').send(c.raw);
  else if (c.body !== undefined) req = req.send(c.body as object);
  return conforms(await req, method, url);
}
const get = (url: string, c?: Call) => call('get', url, c);
const post = (url: string, c?: Call) => call('post', url, c);
const big = (kb: number) => ({ reason: 'x'.repeat(kb * 1024) });

afterAll(() => smtp.close());

beforeAll(async () => {
  app = await svc.withPage();
  limitedApp = await limited.withPage();
  const res = await request(app).get('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  document = res.body as Json;
  ajv.addSchema({
    $id: 'components',
    $defs: absolute((document.components as { schemas: Json }).schemas),
  });
  ops = Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(
    ([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method,
        path,
        match: templateRegExp(path),
        responses: op.responses as Record<string, Json>,
      })),
  );
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (independent validator)', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  it('names exactly the routes of the app, walked from its router', () => {
    const routes = new Set<string>();
    const walk = (stack: Json[], prefix: string) => {
      for (const layer of stack) {
        const route = layer.route as { path: string | string[]; methods: Json } | undefined;
        if (route) {
          for (const p of [route.path].flat())
            for (const m of Object.keys(route.methods)) routes.add(`${m} ${prefix}${p}`);
        } else if ((layer.handle as { stack?: Json[] }).stack) {
          const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '';
          walk((layer.handle as { stack: Json[] }).stack, prefix + (mount === '/' ? '' : mount));
        }
      }
    };
    walk((app as unknown as { router: { stack: Json[] } }).router.stack, '');
    // Express's `:name` and `*name` are OpenAPI's `{name}`; a mounted router's `/` is its mount.
    const express = [...routes]
      .map((r) => r.replace(/[:*](\w+)/g, '{$1}').replace(/([^ ])\/$/, '$1'))
      .sort();
    const documented = ops.map((o) => `${o.method} ${o.path}`).sort();
    expect(express).toEqual(documented);
  });

  it('is served with caching and an ETag, and answers 304 to a matching If-None-Match', async () => {
    const first = await get('/api/v1/openapi.json');
    expect(first.headers['cache-control']).toBe('public, max-age=300');
    await get('/api/v1/openapi.json', { headers: { 'If-None-Match': first.headers.etag! } });
  });
});

describe('real answers conform to the document', () => {
  it('issuing', async () => {
    const body = watchBody({ serial: 'OASNEW001' });
    expect((await post('/api/v1/certificates', { token: 'issue', body })).status).toBe(201);
    expect((await post('/api/v1/certificates', { token: 'issue', body })).status).toBe(200);
    const other = { ...body, model: 'Another model' };
    expect((await post('/api/v1/certificates', { token: 'issue', body: other })).status).toBe(409);
    const bad = await post('/api/v1/certificates', {
      token: 'issue',
      body: { ...body, serial: 'x', colour: 'red' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: Json) => f.path)).toEqual(
      expect.arrayContaining(['serial', 'colour']),
    );
    expect((await post('/api/v1/certificates', { body })).status).toBe(401);
    expect((await post('/api/v1/certificates', { token: 'read', body })).status).toBe(403);
    // A token of another brand, naming this one.
    const hub = { ...body, issuer: 'HUB' };
    expect((await post('/api/v1/certificates', { token: 'zen', body: hub })).status).toBe(403);
    expect((await post('/api/v1/certificates', { token: 'issue', raw: 'serial=1' })).status).toBe(
      415,
    );
    const huge = { ...body, model: 'x'.repeat(20_000) };
    expect((await post('/api/v1/certificates', { token: 'issue', body: huge })).status).toBe(413);
    // A brand without a signing key: the operator must act.
    svc.registry.brands.add({ code: 'NOKEY', name: 'No key' }, svc.clock.now);
    const noKey = await post('/api/v1/certificates', {
      token: 'operator',
      body: watchBody({ serial: 'OASNOKEY1', issuer: 'NOKEY' }),
    });
    expect(noKey.status).toBe(503);
  });

  it('batches', async () => {
    const items = [watchBody({ serial: 'OASB0001' }), { serial: 'bad' }];
    const batch = (key: string | undefined, body: unknown, token = 'issue') =>
      post('/api/v1/certificates/batch', {
        token,
        body,
        ...(key ? { headers: { 'Idempotency-Key': key } } : {}),
      });
    const first = await batch('oas-1', { items });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ issued: 1, rejected: 1 });
    const replay = await batch('oas-1', { items });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await batch('oas-1', { items: items.slice(0, 1) })).status).toBe(422);
    expect((await batch(undefined, { items })).status).toBe(400);
    expect((await batch('oas-2', { items: [] })).status).toBe(400);
    const many = { items: Array.from({ length: 1001 }, () => ({})) };
    expect((await batch('oas-3', many)).status).toBe(413);
    expect((await batch('oas-4', { items }, 'read')).status).toBe(403);
    expect((await batch('oas-5', { items }, 'nope')).status).toBe(401);
    const raw = await post('/api/v1/certificates/batch', {
      token: 'issue',
      raw: '{}',
      headers: { 'Idempotency-Key': 'oas-6' },
    });
    expect(raw.status).toBe(415);
  });

  it('reading and QR images', async () => {
    const serial = fresh();
    const read = await get(`/api/v1/certificates/${serial}`, { token: 'read' });
    expect(read.status).toBe(200);
    expect(read.body.logIndex).toBeTypeOf('number');
    expect((await get(`/api/v1/certificates/${serial}?issuer=h!`, { token: 'read' })).status).toBe(
      400,
    );
    expect((await get(`/api/v1/certificates/${serial}`)).status).toBe(401);
    expect((await get(`/api/v1/certificates/${serial}`, { token: 'issue' })).status).toBe(403);
    expect((await get(`/api/v1/certificates/NOSUCH123`, { token: 'read' })).status).toBe(404);
    for (const format of ['png', 'svg']) {
      const image = await get(`/api/v1/certificates/${serial}/qr.${format}`, { token: 'read' });
      expect(image.status).toBe(200);
    }
    const url = `/api/v1/certificates/${serial}/qr`;
    expect((await get(`${url}.png?scale=99`, { token: 'read' })).status).toBe(400);
    expect((await get(`${url}.gif`, { token: 'read' })).status).toBe(404);
    expect((await get(`${url}.png`)).status).toBe(401);
    expect((await get(`${url}.png?issuer=HUB`, { token: 'zen' })).status).toBe(403);
  });

  it('status changes and re-issues', async () => {
    const cases: [action: string, token: string, ok: number, body: Json, from?: 'stolen'][] = [
      ['revoke', 'admin', 200, { reason: 'sold as scrap' }],
      ['stolen', 'admin', 200, {}], // admin: no hourly allowance (held reports come below)
      ['recovered', 'admin', 200, {}, 'stolen'],
      ['reissue', 'issue', 201, {}],
    ];
    for (const [action, token, ok, body, from] of cases) {
      const url = (serial: string) => `/api/v1/certificates/${serial}/${action}`;
      const serial = fresh(from);
      expect((await post(url(serial), { token, body })).status, action).toBe(ok);
      // Again: the watch is no longer in a state that allows it (a recovered watch is active).
      const again = await post(url(action === 'recovered' ? fresh() : fresh('revoked')), {
        token,
        body,
      });
      expect(again.status, action).toBe(409);
      expect((await post(url(fresh()), { token, body: { reason: '' } })).status, action).toBe(400);
      expect((await post(url(fresh()), { token, body: big(9) })).status, action).toBe(413);
      expect((await post(url(fresh()), { token, raw: 'reason' })).status, action).toBe(415);
      expect((await post(url(fresh()), { body })).status, action).toBe(401);
      expect(
        (await post(`${url(fresh())}?issuer=HUB`, { token: 'zen', body })).status,
        action,
      ).toBe(403);
      expect((await post(url('NOSUCH123'), { token, body })).status, action).toBe(404);
    }
    // The second stolen report from one non-admin token within the hour is held.
    await post(`/api/v1/certificates/${fresh()}/stolen`, { token: 'report', body: {} });
    const held = await post(`/api/v1/certificates/${fresh()}/stolen`, {
      token: 'report',
      body: {},
    });
    expect(held.status).toBe(202);
  });

  it('ownership', async () => {
    const serial = fresh();
    const codeUrl = `/api/v1/certificates/${serial}/claim-code`;
    const code = await post(codeUrl, { token: 'issue' });
    expect(code.status).toBe(201);
    expect((await post(codeUrl, { token: 'issue', body: { override: true } })).status).toBe(400);
    expect((await post(codeUrl, { token: 'issue', body: big(9) })).status).toBe(413);
    expect((await post(codeUrl, { token: 'issue', raw: 'x' })).status).toBe(415);
    expect((await post(codeUrl)).status).toBe(401);
    expect((await post(codeUrl, { token: 'read' })).status).toBe(403);
    expect(
      (await post('/api/v1/certificates/NOSUCH123/claim-code', { token: 'issue' })).status,
    ).toBe(404);
    expect(
      (await post(`/api/v1/certificates/${fresh('stolen')}/claim-code`, { token: 'issue' })).status,
    ).toBe(409);

    const claim = (body: unknown) => post('/api/v1/ownership/claim', { body });
    expect((await claim({ serial, code: 'WRONG-CODE-0000' })).status).toBe(403);
    const claimed = await claim({ serial, code: code.body.code, email: 'owner@example.com' });
    expect(claimed.status).toBe(201);
    expect((await claim({ serial })).status).toBe(400);
    expect((await post('/api/v1/ownership/claim', { raw: 'x' })).status).toBe(415);
    expect((await claim({ serial, code: 'x'.repeat(9000) })).status).toBe(413);
    // A code for a watch that is then reported stolen, and one that has expired.
    const stolen = fresh();
    const stolenCode = (await post(`/api/v1/certificates/${stolen}/claim-code`, { token: 'issue' }))
      .body.code as string;
    status.change('HUB', stolen, 'stolen', 'test');
    expect((await claim({ serial: stolen, code: stolenCode })).status).toBe(409);
    const old = fresh();
    const oldCode = (await post(`/api/v1/certificates/${old}/claim-code`, { token: 'issue' })).body
      .code as string;
    svc.clock.now += 31 * 86_400;
    expect((await claim({ serial: old, code: oldCode })).status).toBe(410);

    const transfer = (body: unknown) => post('/api/v1/ownership/transfer', { body });
    const ownerKey = claimed.body.ownerKey as string;
    expect((await transfer({ serial, ownerKey })).status).toBe(201);
    expect((await transfer({ serial, ownerKey: 'own_not-the-key' })).status).toBe(403);
    expect((await transfer({ serial })).status).toBe(400);
    expect((await post('/api/v1/ownership/transfer', { raw: 'x' })).status).toBe(415);
    expect((await transfer({ serial, ownerKey: 'x'.repeat(9000) })).status).toBe(413);
    status.change('HUB', serial, 'stolen', 'test');
    expect((await transfer({ serial, ownerKey })).status).toBe(409);
    // An owned watch's claim code needs an admin override; a second claim is refused.
    const owned = fresh();
    const first = (await post(`/api/v1/certificates/${owned}/claim-code`, { token: 'issue' })).body
      .code as string;
    await claim({ serial: owned, code: first });
    const override = await post(`/api/v1/certificates/${owned}/claim-code`, {
      token: 'admin',
      body: { override: true, reason: 'proof of purchase checked' },
    });
    expect(override.status).toBe(201);
  });

  it('owner-key recovery', async () => {
    const serial = fresh();
    const code = (await post(`/api/v1/certificates/${serial}/claim-code`, { token: 'issue' })).body
      .code as string;
    await post('/api/v1/ownership/claim', { body: { serial, code, email: 'oas@example.com' } });
    const ask = (body: unknown) => post('/api/v1/ownership/recovery', { body });
    const link = async () =>
      /#recover=(rec_[A-Za-z0-9_-]{32})/.exec((await smtp.next('oas@example.com')).text)![1]!;
    expect((await ask({ serial, email: 'oas@example.com' })).status).toBe(202);
    const token = await link();
    expect((await ask({ serial })).status).toBe(400);
    expect((await post('/api/v1/ownership/recovery', { raw: 'x' })).status).toBe(415);
    expect((await ask({ serial, email: 'x'.repeat(9000) })).status).toBe(413);
    const done = (body: unknown) => post('/api/v1/ownership/recovery/complete', { body });
    expect((await done({ token })).status).toBe(201);
    expect((await done({ token })).status).toBe(403);
    expect((await done({ token: 'nope' })).status).toBe(400);
    expect((await post('/api/v1/ownership/recovery/complete', { raw: 'x' })).status).toBe(415);
    expect((await done({ token: 'x'.repeat(9000) })).status).toBe(413);
    await ask({ serial, email: 'oas@example.com' });
    const late = await link();
    await ask({ serial, email: 'oas@example.com' });
    const beforeTheft = await link();
    status.change('HUB', serial, 'stolen', 'test');
    expect((await done({ token: beforeTheft })).status).toBe(409);
    svc.clock.now += 3601;
    expect((await done({ token: late })).status).toBe(410);
  });

  it('retailer checks', async () => {
    const serial = fresh();
    const cert = (await get(`/api/v1/certificates/${serial}`, { token: 'read' })).body as Json;
    expect((await post('/api/v1/check', { body: { certificate: cert.qr } })).status).toBe(200);
    expect((await post('/api/v1/check', { body: { certificate: 'no' } })).status).toBe(404);
    expect((await post('/api/v1/check', { body: {} })).status).toBe(400);
    expect((await post('/api/v1/check', { raw: 'x' })).status).toBe(415);
    expect(
      (await post('/api/v1/check', { body: { certificate: 'x'.repeat(20_000) } })).status,
    ).toBe(413);
    const url = `/api/v1/certificates/${serial}/check`;
    expect((await get(url, { token: 'report' })).status).toBe(200);
    expect((await get(`${url}?issuer=!`, { token: 'report' })).status).toBe(400);
    expect((await get(url)).status).toBe(401);
    expect((await get(url, { token: 'issue' })).status).toBe(403);
    expect((await get('/api/v1/certificates/NOSUCH123/check', { token: 'read' })).status).toBe(404);
  });

  it('brands', async () => {
    expect((await get('/api/v1/brands', { token: 'read' })).status).toBe(200);
    expect((await get('/api/v1/brands')).status).toBe(401);
    const add = (body: unknown, token = 'operator') => post('/api/v1/brands', { token, body });
    expect((await add({ code: 'OASB', name: 'Brand of the document' })).status).toBe(201);
    expect((await add({ code: 'OASB', name: 'Again' })).status).toBe(409);
    expect((await add({ code: 'x', name: '' })).status).toBe(400);
    expect((await add({ code: 'OASC', name: 'x' }, 'admin')).status).toBe(403);
    expect((await add({ code: 'OASC', name: 'x' }, 'nope')).status).toBe(401);
    expect((await add({ code: 'OASC', name: 'x'.repeat(5000) })).status).toBe(413);
    expect((await post('/api/v1/brands', { token: 'operator', raw: 'x' })).status).toBe(415);
  });

  it('the public log, before and after it has a checkpoint', async () => {
    expect((await get('/log/checkpoint')).status).toBe(404);
    expect((await get('/log/vkey')).status).toBe(404);
    const identity = openLogIdentity(svc.registry, 'verify.hallmark.example/log', svc.clock.now);
    publishCheckpoint(svc.registry, identity, svc.clock.now);
    expect((await get('/log/checkpoint')).status).toBe(200);
    expect((await get('/log/vkey')).status).toBe(200);
    expect((await get('/log/tile/entries/000.p/1')).status).toBe(200);
    expect((await get('/log/tile/0/000.p/1')).status).toBe(200);
    expect((await get('/log/tile/0/999')).status).toBe(404);
    const monitor = '/api/v1/log/certificates';
    expect((await get(`${monitor}?from=0&to=10`, { token: 'read' })).status).toBe(200);
    expect((await get(`${monitor}?from=0&to=5000`, { token: 'read' })).status).toBe(400);
    expect((await get(`${monitor}?from=0&to=10`)).status).toBe(401);
    expect((await get(`${monitor}?from=0&to=10`, { token: 'issue' })).status).toBe(403);
  });

  it('verification data, health and the page', async () => {
    for (const url of [
      '/.well-known/jwks.json',
      '/.well-known/hallmark-trust-list.jwt',
      `/status/${svc.registry.db.prepare('SELECT min(id) FROM status_lists').pluck().get() as number}.jwt`,
      '/',
      '/index.html',
      '/isolated.html',
      '/sw.js',
      '/manifest.webmanifest',
      '/api/v1/reference',
    ]) {
      const first = await get(url);
      expect(first.status, url).toBe(200);
      expect(first.headers.etag, url).toBeDefined();
      const again = await get(url, { headers: { 'If-None-Match': first.headers.etag! } });
      expect(again.status, url).toBe(304);
    }
    const index = (await request(app).get('/')).text;
    const asset = `/${/assets\/[^"'\s>]+/.exec(index)![0]}`;
    const file = await get(asset);
    expect(file.status).toBe(200);
    expect((await get(asset, { headers: { 'If-None-Match': file.headers.etag! } })).status).toBe(
      304,
    );
    expect((await get('/assets/nothing.js')).status).toBe(404);
    expect((await get('/status/99999.jwt')).status).toBe(404);
    expect((await get('/healthz')).status).toBe(200);
    // A registry with no trust list installed yet.
    const bare = createApp({
      registry: createRegistry(openTestDatabase(), {
        passphrase: PASSPHRASE,
        legacyBrand: 'HUB',
        now: () => NOW,
      }),
      logger: pino({ level: 'silent' }),
      config: { publicUrl: PUBLIC_URL, defaultIssuer: 'HUB', publicRateLimit: 100, trustProxy: 0 },
    });
    expect((await get('/.well-known/hallmark-trust-list.jwt', { on: bare })).status).toBe(404);
  });

  it('public endpoints past their rate limit', async () => {
    const urls = [
      '/.well-known/jwks.json',
      '/.well-known/hallmark-trust-list.jwt',
      '/status/0.jwt',
      '/log/checkpoint',
      '/log/vkey',
      '/api/v1/openapi.json',
      '/api/v1/reference',
    ];
    for (const url of [urls[0]!, ...urls]) await get(url, { on: limitedApp });
    for (const url of urls)
      expect(seen.has(`get ${ops.find((o) => o.match.test(url))!.path} 429`)).toBe(true);
    const recovery = { serial: 'NOSUCH123', email: 'a@example.com' };
    const first = await post('/api/v1/ownership/recovery', { on: limitedApp, body: recovery });
    expect(first.status).toBe(503);
    expect(
      (await post('/api/v1/ownership/recovery', { on: limitedApp, body: recovery })).status,
    ).toBe(429);
    // The claim limiter counts failures: a wrong token, then the limit.
    const complete = () =>
      post('/api/v1/ownership/recovery/complete', {
        on: limitedApp,
        body: { token: `rec_${'A'.repeat(32)}` },
      });
    expect((await complete()).status).toBe(403);
    expect((await complete()).status).toBe(429);
    for (const url of ['/api/v1/check', '/api/v1/ownership/claim', '/api/v1/ownership/transfer']) {
      const body = {
        certificate: 'x',
        serial: 'NOSUCH123',
        code: 'WRONG-CODE-0000',
        ownerKey: 'own_xxxxxxxxxx',
      };
      const only = url.endsWith('check')
        ? { certificate: body.certificate }
        : url.endsWith('claim')
          ? { serial: body.serial, code: body.code }
          : { serial: body.serial, ownerKey: body.ownerKey };
      await post(url, { on: limitedApp, body: only });
      expect((await post(url, { on: limitedApp, body: only })).status, url).toBe(429);
    }
  });

  it('every documented status was produced above, or is listed with the reason it is not', () => {
    const missing: string[] = [];
    for (const op of ops)
      for (const status of Object.keys(op.responses)) {
        const key = `${op.method} ${op.path} ${status}`;
        if (!seen.has(key) && !(key in NOT_PRODUCED)) missing.push(key);
      }
    expect(missing).toEqual([]);
  });
});

describe('the reference page', () => {
  it('shows every operation, with a CSP that lets nothing run or load, and no violation', async () => {
    const server = await listen(app);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') violations.push(m.text());
      });
      page.on('request', (r) => requests.push(r.url()));
      const res = await page.goto(`${server.url}/api/v1/reference`);
      expect(res!.status()).toBe(200);
      const csp = res!.headers()['content-security-policy']!;
      expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; /);
      expect(csp).not.toMatch(/unsafe|script-src/);
      const text = await page.locator('body').innerText();
      for (const op of ops) expect(text).toContain(op.path);
      // The inline style applied (it is allowed by its hash), and nothing else was loaded.
      const h3 = await page
        .locator('h3')
        .first()
        .evaluate((e) => getComputedStyle(e).fontSize);
      expect(h3).not.toBe('');
      expect(violations).toEqual([]);
      expect(requests).toEqual([`${server.url}/api/v1/reference`]);
      expect(await page.locator('script').count()).toBe(0);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
