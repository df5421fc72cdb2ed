/**
 * Recovering a lost owner key by e-mail, through the service's real SMTP client and a real
 * SMTP server started here. The attacker's questions: can an anonymous caller learn which
 * address owns a watch (no: one answer for all), flood an owner's mailbox (no: a daily cap per
 * watch and a limit per address), reuse or outlive a link (no), or use a link asked for before
 * the watch changed hands (no)? Every step is in the audit trail.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import { loadConfig } from '../../server/config.ts';
import { smtpMailer } from '../../server/mail/mailer.ts';
import { RECOVERIES_PER_WATCH_PER_DAY } from '../../server/registry/ownership.ts';
import { parseWatchInput } from '../../shared/watch-input.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { testService, watchBody, type TestService } from '../helpers/service.ts';

let smtp: TestSmtp;
let svc: TestService;
let erp: string;
let n = 0;

/** A watch owned by `email`: its serial and the owner key. */
async function owned(email: string | undefined): Promise<{ serial: string; ownerKey: string }> {
  const serial = `RECOV${String(++n).padStart(5, '0')}`;
  new IssuingService(svc.registry).issue(parseWatchInput(watchBody({ serial })), 'HUB', 'test');
  const code = (
    await request(svc.app)
      .post(`/api/v1/certificates/${serial}/claim-code`)
      .set('Authorization', `Bearer ${erp}`)
  ).body.code as string;
  const claimed = await request(svc.app)
    .post('/api/v1/ownership/claim')
    .send({ serial, code, ...(email ? { email } : {}) });
  expect(claimed.status).toBe(201);
  return { serial, ownerKey: claimed.body.ownerKey };
}
const ask = (serial: string, email: string) =>
  request(svc.app).post('/api/v1/ownership/recovery').send({ serial, email });
const complete = (token: string) =>
  request(svc.app).post('/api/v1/ownership/recovery/complete').send({ token });
const tokenIn = (text: string) => /#recover=(rec_[A-Za-z0-9_-]{32})/.exec(text)![1]!;
const transfer = (serial: string, ownerKey: string) =>
  request(svc.app).post('/api/v1/ownership/transfer').send({ serial, ownerKey });
const events = (serial: string) =>
  svc.registry.db
    .prepare("SELECT action FROM events WHERE serial = ? AND action LIKE 'ownership.%' ORDER BY id")
    .pluck()
    .all(serial);

beforeAll(async () => {
  smtp = await startSmtp();
  svc = testService({
    mailer: smtpMailer(smtp.url, 'Hallmark <no-reply@verify.hallmark.example>'),
    config: { recoveryRateLimit: 50 },
  });
  erp = svc.token(['issue'], 'erp');
});
afterAll(async () => {
  await smtp?.close();
});

describe('owner-key recovery by e-mail', () => {
  it('the registered address gets a one-time link; the new key works, the old one dies; all audited', async () => {
    const { serial, ownerKey } = await owned('Owner@Example.com');
    const res = await ask(serial, 'owner@example.com'); // addresses compare case-insensitively
    expect(res.status).toBe(202);
    const mail = await smtp.next('owner@example.com');
    expect(mail.from).toBe('"Hallmark" <no-reply@verify.hallmark.example>');
    expect(mail.subject).toBe(`Your Hallmark owner key for watch ${serial}`);
    expect(mail.text).toContain(`https://verify.hallmark.example/#recover=rec_`);
    const token = tokenIn(mail.text);
    const done = await complete(token);
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ serial, issuer: 'HUB', owners: 1 });
    expect(done.body.ownerKey).toMatch(/^own_/);
    expect((await transfer(serial, ownerKey)).status).toBe(403);
    expect((await transfer(serial, done.body.ownerKey)).status).toBe(201);
    // Once only.
    expect((await complete(token)).status).toBe(403);
    expect(events(serial)).toEqual([
      'ownership.claim_code_issued',
      'ownership.claimed',
      'ownership.recovery_requested',
      'ownership.recovery_mailed',
      'ownership.recovered',
      'ownership.transfer_started',
    ]);
    // Neither the address nor the token is in the audit trail or the logs.
    const trail = JSON.stringify(
      svc.registry.db.prepare('SELECT * FROM events WHERE serial = ?').all(serial),
    );
    for (const secret of ['owner@example.com', token]) {
      expect(trail.toLowerCase()).not.toContain(secret.toLowerCase());
      expect(svc.logs.join('').toLowerCase()).not.toContain(secret.toLowerCase());
    }
  });

  it('another address, an owner without an address, an unknown serial: the same answer, and no mail', async () => {
    const { serial } = await owned('real@example.com');
    const { serial: noEmail } = await owned(undefined);
    const answers = await Promise.all([
      ask(serial, 'attacker@example.com'),
      ask(noEmail, 'attacker@example.com'),
      ask('NOSUCHSERIAL1', 'attacker@example.com'),
      ask(serial, 'real@example.com'),
    ]);
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(a.body.message).toBe(answers[0]!.body.message);
    }
    await smtp.next('real@example.com');
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received.filter((m) => m.to === 'attacker@example.com')).toEqual([]);
  });

  it('a link outlives neither its hour nor a change of hands', async () => {
    const { serial, ownerKey } = await owned('seller@example.com');
    await ask(serial, 'seller@example.com');
    const late = tokenIn((await smtp.next('seller@example.com')).text);
    svc.clock.now += 3601;
    const expired = await complete(late);
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('CODE_EXPIRED');
    // The seller asks for a link, then sells the watch: the link dies with the sale.
    await ask(serial, 'seller@example.com');
    const before = tokenIn((await smtp.next('seller@example.com')).text);
    svc.clock.now += 1;
    const code = (await transfer(serial, ownerKey)).body.transferCode as string;
    expect(
      (await request(svc.app).post('/api/v1/ownership/claim').send({ serial, code })).status,
    ).toBe(201);
    expect((await complete(before)).status).toBe(403);
  });

  it(`at most ${RECOVERIES_PER_WATCH_PER_DAY} mails per watch and day; a bad token or body is refused`, async () => {
    const { serial } = await owned('flooded@example.com');
    for (let i = 0; i < RECOVERIES_PER_WATCH_PER_DAY + 2; i++)
      expect((await ask(serial, 'flooded@example.com')).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < RECOVERIES_PER_WATCH_PER_DAY; i++) await smtp.next('flooded@example.com');
    expect(smtp.received.filter((m) => m.to === 'flooded@example.com')).toEqual([]);
    expect(events(serial).filter((e) => e === 'ownership.recovery_requested')).toHaveLength(
      RECOVERIES_PER_WATCH_PER_DAY + 2,
    );
    expect((await complete(`rec_${'A'.repeat(32)}`)).status).toBe(403);
    const bad = await complete('not-a-token');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].path).toBe('token');
    expect((await ask(serial, 'not an address')).status).toBe(400);
  });

  it('the mail relay is configured by HALLMARK_SMTP_URL and HALLMARK_MAIL_FROM, checked at start', () => {
    expect(loadConfig({}).mail).toBeUndefined();
    expect(
      loadConfig({ HALLMARK_SMTP_URL: 'smtps://user:pw@mail.brand.example:465' }).mail,
    ).toEqual({
      url: 'smtps://user:pw@mail.brand.example:465',
      from: 'Hallmark <no-reply@localhost>',
    });
    expect(() => loadConfig({ HALLMARK_SMTP_URL: 'http://mail.example' })).toThrow(
      /HALLMARK_SMTP_URL: must be smtp:/,
    );
    expect(() =>
      loadConfig({ HALLMARK_SMTP_URL: 'smtp://m.example', HALLMARK_MAIL_FROM: 'x\r\nBcc: a@b' }),
    ).toThrow(/HALLMARK_MAIL_FROM/);
  });

  it('without a mail server configured: 503, saying whom to ask', async () => {
    const bare = testService();
    const res = await request(bare.app)
      .post('/api/v1/ownership/recovery')
      .send({ serial: 'ANY000001', email: 'a@example.com' });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('RECOVERY_UNAVAILABLE');
  });
});
