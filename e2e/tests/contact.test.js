// A visitor writes through the contact form; the therapist reads it in the inbox and replies by email.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sleep } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import {
  test, cleanupStack, errorIsNextToField, labelFor, mainShowsText, uniqueEmail, DEMO, signIn,
  submitAndGetPostResponse,
} from '../lib/harness.js';
import { sensitive } from '../lib/privacy.js';

const MESSAGE = sensitive('My words stay here');
const REPLY = sensitive('Thank you for writing. A reply from e2e.');
const VISITOR_NAME = sensitive('Maria Beispiel');
const VISITOR_EMAIL = uniqueEmail('maria');

const cleanup = cleanupStack();
let server;
let sink;
let browser;
let inquiryPath = null; // /admin/inquiries/<id>, found by the therapist

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'contact (demo, SMTP)' }));
  browser = cleanup.keep(await launchBrowser());
});

async function page(opts) {
  const p = await newPage(browser, opts);
  cleanup.add(() => p.context().close());
  return p;
}

const isNotification = (m) => m.subject === DEMO.notificationSubject;
const mentionsMessage = (m) => [m.subject, m.text, m.html, ...Object.values(m.headers)].some((s) => (s || '').includes(MESSAGE));

test('the contact form shows errors next to the fields, keeps the input, then sends', async () => {
  const p = await page();
  await visit(p, `${server.url}/contact`);

  for (const name of ['name', 'email', 'phone', 'preferred_time', 'message', 'consent']) {
    assert.equal(await p.locator(`[name="${name}"]`).count(), 1, `the form has one field named ${name}`);
    assert.ok(await labelFor(p, name), `field ${name} has a <label for> with text`);
  }
  assert.equal(await p.locator('textarea[name="message"]').count(), 1, 'message is a textarea');
  assert.equal(await p.locator('input[type="checkbox"][name="consent"]').count(), 1, 'consent is a checkbox');
  assert.equal(await p.locator('input[type="hidden"][name="csrf"]').count(), 1, 'the form carries a csrf token');
  assert.equal(await p.locator('[name="website"]').count(), 1, 'the form has the honeypot field');

  // First attempt: no name, a bad email, no consent.
  await p.locator('[name="name"]').fill('');
  await p.locator('[name="email"]').fill('not-an-email');
  await p.locator('[name="message"]').fill(MESSAGE);
  await p.locator('[name="consent"]').setChecked(false);
  // Let the server judge the input, not the browser's own validation.
  await p.locator('form:has([name="message"])').evaluate((f) => { f.noValidate = true; });
  const bad = await submitAndGetPostResponse(p, 'Send message');
  assert.equal(bad.status(), 422, 'bad input answers 422');
  assert.equal(new URL(p.url()).pathname, '/contact');

  const summary = p.locator('[role="alert"]').first();
  assert.ok(await summary.isVisible(), 'an error summary with role="alert" is shown');
  const summaryFirst = await p.evaluate(() => {
    const s = document.querySelector('[role="alert"]');
    const f = document.querySelector('[name="name"]');
    return !!(s && f && (s.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING));
  });
  assert.ok(summaryFirst, 'the error summary comes before the fields');

  for (const field of ['name', 'email', 'consent']) {
    const err = p.locator(`#${field}-error`);
    assert.ok(await err.isVisible(), `#${field}-error is visible`);
    assert.ok((await err.innerText()).trim().length > 0, `#${field}-error says something`);
    assert.equal(await p.locator(`[name="${field}"]`).getAttribute('aria-invalid'), 'true', `${field} has aria-invalid="true"`);
    assert.ok(await errorIsNextToField(p, field, `${field}-error`), `#${field}-error sits next to the ${field} field`);
  }
  assert.equal(await p.locator('[name="message"]').inputValue(), MESSAGE, 'the message is kept');
  assert.equal(await p.locator('[name="email"]').inputValue(), 'not-an-email', 'the email is kept');
  assert.notEqual(await p.locator('[name="message"]').getAttribute('aria-invalid'), 'true', 'a good field is not marked invalid');

  // Second attempt: corrected.
  await p.locator('[name="name"]').fill(VISITOR_NAME);
  await p.locator('[name="email"]').fill(VISITOR_EMAIL);
  await p.locator('[name="consent"]').setChecked(true);
  const good = await submitAndGetPostResponse(p, 'Send message');
  assert.equal(good.status(), 303, 'a good message answers 303');
  assert.equal(new URL(p.url()).pathname, '/contact/thanks');
  assert.match(await p.locator('h1').first().innerText(), /Thank you/);
});

test('the therapist gets exactly one notification, without the message text', async () => {
  const mail = await sink.waitFor(isNotification, 30_000);
  await sleep(2000);
  const notes = sink.find(isNotification);
  assert.equal(notes.length, 1, `exactly one notification; received:\n${sink.describe()}`);
  assert.ok(mail.envelopeTo.includes(DEMO.ownerEmail), `the notification goes to ${DEMO.ownerEmail}, got ${mail.envelopeTo}`);
  assert.ok(!mentionsMessage(mail), 'the notification does not contain the message text');
  const leaking = sink.find(mentionsMessage);
  assert.equal(leaking.length, 0, `no mail carries the message text; received:\n${sink.describe()}`);
});

test('the therapist reads the message in the inbox, replies, and marks it handled', async () => {
  const p = await page();
  await signIn(p, server.url, { secret: server.totpSecret() });
  await visit(p, `${server.url}/admin/inquiries`);
  const link = p.locator(`main a[href*="/admin/inquiries/"]`, { hasText: VISITOR_NAME }).first();
  assert.equal(await link.count(), 1, `the inbox lists a link named "${VISITOR_NAME}"`);
  const href = await link.getAttribute('href');
  assert.match(new URL(href, server.url).pathname, /^\/admin\/inquiries\/[^/]+$/, `inbox link ${href}`);
  await Promise.all([p.waitForURL((u) => /^\/admin\/inquiries\/[^/]+$/.test(u.pathname), { waitUntil: 'load' }), link.click()]);
  inquiryPath = new URL(p.url()).pathname;
  assert.ok(await mainShowsText(p, MESSAGE), 'the detail page shows the message');

  const reply = p.getByLabel('Your reply', { exact: true });
  assert.equal(await reply.evaluate((e) => `${e.tagName}:${e.name}`), 'TEXTAREA:reply', 'the "Your reply" label belongs to textarea[name=reply]');
  await reply.fill(REPLY);
  const sent = await submitAndGetPostResponse(p, 'Send reply');
  assert.ok(sent.status() < 400, `sending the reply answers ${sent.status()}`);
  assert.ok(await mainShowsText(p, REPLY), 'the reply shows in the thread');

  const mail = await sink.waitFor((m) => m.subject === DEMO.replySubject, 30_000);
  assert.ok(mail.envelopeTo.includes(VISITOR_EMAIL.toLowerCase()), `the reply goes to ${VISITOR_EMAIL}, got ${mail.envelopeTo}`);
  assert.ok(mail.text.includes(REPLY), `the reply mail contains the reply text; text was:\n${mail.text}`);

  const handled = await submitAndGetPostResponse(p, 'Mark as handled');
  assert.ok(handled.status() < 400, `marking handled answers ${handled.status()}`);
  await visit(p, `${server.url}${inquiryPath}`);
  assert.equal(await p.getByRole('button', { name: 'Mark as handled', exact: true }).count(), 0,
    'a handled message no longer offers "Mark as handled"');

  // Signing out ends the session.
  await Promise.all([p.waitForNavigation({ waitUntil: 'load' }),
    p.locator('header').getByRole('button', { name: 'Sign out', exact: true }).click()]);
  const after = await p.goto(`${server.url}/admin`);
  const path = new URL(p.url()).pathname;
  assert.ok(path === '/admin/signin' || [401, 403].includes(after.status()),
    `after signing out /admin is closed (landed on ${path}, status ${after.status()})`);
});

test('axe-core finds no WCAG 2.2 AA violation on the admin pages', async () => {
  const p = await page();
  const report = new AxeReport();
  await visit(p, `${server.url}/admin/signin`);
  await report.check(p, '/admin/signin');
  await signIn(p, server.url, { secret: server.totpSecret() });

  const paths = ['/admin', '/admin/pages?kind=article', '/admin/pages/new?kind=article', '/admin/images',
    '/admin/practice', '/admin/inquiries', '/admin/outbox'];
  for (const path of paths) {
    const res = await p.goto(`${server.url}${path}`);
    if (res.status() !== 200) { report.fail(path, `status ${res.status()}`); continue; }
    if (await p.locator('main').count() !== 1) report.fail(path, 'no single <main>');
    await report.check(p, path);

    if (path === '/admin/pages?kind=article') {
      const edit = (await p.locator('main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))
        .map((h) => new URL(h, server.url).pathname)
        .find((h) => /^\/admin\/pages\/(?!new$)[^/]+(\/edit)?$/.test(h));
      if (!edit) { report.fail(path, 'no link to an edit page /admin/pages/<id>'); continue; }
      const r = await p.goto(`${server.url}${edit}`);
      if (r.status() !== 200) report.fail(edit, `status ${r.status()}`);
      else await report.check(p, `${edit} (edit page)`);
    }
  }
  const detail = inquiryPath ?? await (async () => {
    await visit(p, `${server.url}/admin/inquiries`);
    const links = p.locator('main a[href*="/admin/inquiries/"]');
    if ((await links.count()) === 0) return null;
    return new URL(await links.first().getAttribute('href'), server.url).pathname;
  })();
  if (!detail) report.fail('/admin/inquiries/<id>', 'no inquiry to open');
  else {
    const r = await p.goto(`${server.url}${detail}`);
    if (r.status() !== 200) report.fail(detail, `status ${r.status()}`);
    else await report.check(p, `${detail} (inquiry detail)`);
  }
  report.assertClean(assert);
});
