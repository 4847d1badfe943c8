// A month of sessions billed, paid and corrected, through the real pages: the therapist fills in the
// billing details; a weekly hour through November 2026 is held (one no-show, charged), each session's
// attendance recorded as the clock passes it; on 1 December the month's draft is prepared, a price
// corrected (a refused price first), and issued as 0001; the patient downloads its PDF in the portal;
// a bank statement pays it (read twice: the second time changes nothing); a credit note 0002 takes
// one line back. axe-core checks every billing page met; screenshots at 1280 and 390 px are kept in
// e2e/.artifacts/.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

// The clock starts on Friday 30 October 2026, 09:00 in Berlin; each test file is its own process, so
// this moves no other file's clock.
process.env.E2E_NOW = '2026-10-30T08:00:00Z';
const { startServer } = await import('../lib/server.js');
const { startSmtpSink } = await import('../lib/smtp.js');
const { advanceClock, serverNowMs } = await import('../lib/clock.js');
const { launchBrowser, newPage, visit } = await import('../lib/browser.js');
const { AxeReport } = await import('../lib/axe.js');
const {
  test, cleanupStack, uniqueEmail, submitAndGetPostResponse, signIn, shoot, noSidewaysScroll,
  errorIsNextToField, ARTIFACTS,
} = await import('../lib/harness.js');
const { sensitive } = await import('../lib/privacy.js');

const execFileP = promisify(execFile);
const cleanup = cleanupStack();
let server;
let sink;
let browser;

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'billing (demo, SMTP)' }));
  browser = cleanup.keep(await launchBrowser());
});

async function page() {
  const p = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  cleanup.add(() => p.context().close());
  return p;
}

/** Moves the clock to `instant` (later than now) and restarts the server there. */
async function moveTo(instant) {
  const ms = Date.parse(instant) - serverNowMs();
  assert.ok(ms > 0, `${instant} is ahead`);
  advanceClock(ms);
  await server.stop();
  await server.start();
}

async function therapist() {
  const o = await page();
  await signIn(o, server.url, { secret: server.totpSecret() });
  return o;
}

/** The appointment id of the case's session on `date` at 10:00 Berlin (from the week grid). */
async function sessionOn(o, date) {
  await visit(o, `${server.url}/admin/calendar?day=${date}`);
  const link = o.locator('a.cal-item[href^="/admin/calendar/"]', { hasText: '10:00' }).first();
  const href = await link.getAttribute('href');
  return href.split('/').pop();
}

/** Screenshots of the page at 1280 and 390 px (no sideways scroll on the phone), back to 1280. */
async function shootBoth(p, name) {
  await p.setViewportSize({ width: 1280, height: 900 });
  await shoot(p, `${name}-1280`);
  await p.setViewportSize({ width: 390, height: 844 });
  await noSidewaysScroll(p, `${name} at 390 px`);
  await shoot(p, `${name}-390`);
  await p.setViewportSize({ width: 1280, height: 900 });
}

/** Like submitAndGetPostResponse, for a button inside `scope` (one of several forms with the same button). */
async function submitIn(p, scope, buttonName) {
  const responsePromise = p.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());
  const navDone = p.waitForNavigation({ waitUntil: 'load' });
  await scope.getByRole('button', { name: buttonName, exact: true }).click();
  const response = await responsePromise;
  await navDone;
  return response;
}

/** The value shown next to `label` in the page's facts list. */
async function fact(p, label) {
  const dt = p.locator('dl.facts dt', { hasText: new RegExp(`^${label}$`) });
  assert.equal(await dt.count(), 1, `one fact "${label}"`);
  return (await dt.locator('xpath=following-sibling::dd[1]').innerText()).trim();
}

const EXEMPTION = 'Exempt from VAT under § 4 No. 14 UStG.';
const SESSIONS = ['2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23', '2026-11-30'];
const NO_SHOW = '2026-11-16';

test('a month of sessions is billed, paid from a bank statement and corrected by a credit note', async () => {
  const axe = new AxeReport();
  const name = sensitive('Mara Lindqvist-Okafor', 'name');
  const email = uniqueEmail('mara');

  // 1. The billing details (the demo practice comes with an example; this therapist makes them theirs).
  let o = await therapist();
  await visit(o, `${server.url}/admin/billing`);
  await Promise.all([o.waitForURL(/\/admin\/billing\/profile$/), o.getByRole('link', { name: 'Billing details' }).first().click()]);
  await o.getByLabel('Name on invoices').fill('Dr. Anna Lindqvist, Psychotherapist');
  await o.getByLabel('Address').fill('Lindenstraße 4\n10969 Berlin');
  await o.getByLabel('Country').fill('DE');
  await o.getByLabel('Account holder').fill('Anna Lindqvist');
  await o.getByLabel('IBAN').fill('DE89370400440532013000');
  await o.getByLabel('Tax exemption wording').fill(EXEMPTION);
  await o.getByLabel('Reminders, days after the due date').fill('7');
  assert.equal((await submitAndGetPostResponse(o, 'Save the billing details')).status(), 303);
  assert.match(await o.locator('[role="status"]').innerText(), /Saved\. New invoices use these details/);
  assert.equal(await o.getByLabel('IBAN').inputValue(), 'DE89370400440532013000');
  await axe.check(o, 'billing details, saved');

  // 2. The patient, and the weekly hour through November (Mondays at 10:00 Berlin).
  await visit(o, `${server.url}/admin/patients`);
  await o.locator('[name="name"]').fill(name);
  await o.locator('[name="email"]').fill(email);
  await o.locator('[name="time_zone"]').fill('Europe/Berlin');
  assert.equal((await submitAndGetPostResponse(o, 'Send the invitation')).status(), 303);
  const caseId = new URL(o.url()).pathname.split('/').pop();
  await visit(o, `${server.url}/admin/cases/${caseId}/series`);
  await o.getByLabel('First session').fill(SESSIONS[0]);
  await o.getByLabel(/^Time/).fill('10:00');
  assert.equal((await submitAndGetPostResponse(o, 'Set the regular time')).status(), 303);
  assert.match(await o.locator('[role="status"]').innerText(), /sessions booked for the next six months/);

  // Each Monday at 10:05 the session has begun: attended, but for one no-show, charged.
  for (const date of SESSIONS) {
    await moveTo(`${date}T09:05:00Z`);
    o = await therapist();
    const id = await sessionOn(o, date);
    await visit(o, `${server.url}/admin/calendar/${id}`);
    if (date === NO_SHOW) {
      await o.getByLabel('Did not come (no-show)').check();
      await o.getByLabel('Charged', { exact: true }).check();
    } else {
      await o.getByLabel('Attended').check();
    }
    assert.equal((await submitAndGetPostResponse(o, 'Save attendance')).status(), 303);
  }

  // 3. Tuesday 1 December, 09:00: November's drafts, one for the one patient.
  await moveTo('2026-12-01T08:00:00Z');
  o = await therapist();
  await visit(o, `${server.url}/admin/billing`);
  await o.getByLabel('Month').fill('2026-11');
  assert.equal((await submitAndGetPostResponse(o, 'Prepare drafts')).status(), 303);
  assert.match(await o.locator('[role="status"]').innerText(), /1 draft.*5 sessions/s);
  const drafts = o.getByRole('region', { name: 'Drafts to check' }).locator('tbody tr');
  assert.equal(await drafts.count(), 1, 'one draft, for the one patient');
  assert.match(await drafts.first().innerText(), new RegExp(`Draft\\s+${name}[\\s\\S]*475\\.00 EUR`));
  await axe.check(o, 'billing overview with a draft');
  await shootBoth(o, 'billing-overview');
  // Preparing the month again proposes nothing twice.
  await o.getByLabel('Month').fill('2026-11');
  assert.equal((await submitAndGetPostResponse(o, 'Prepare drafts')).status(), 303);
  assert.equal(await drafts.count(), 1, 'still one draft');

  await Promise.all([o.waitForURL(/\/admin\/billing\/invoices\/[^/]+$/), drafts.first().getByRole('link', { name: 'Draft' }).click()]);
  const draftUrl = o.url();
  assert.equal((await o.locator('h1').innerText()).trim(), 'Draft invoice');
  const lines = o.locator('form.invoice-line');
  assert.equal(await lines.count(), 5, 'a line per session held or charged');
  for (let i = 0; i < SESSIONS.length; i += 1) {
    const line = lines.nth(i);
    assert.equal(await line.locator('[name="date"]').inputValue(), SESSIONS[i]);
    assert.equal(await line.locator('[name="description"]').inputValue(), SESSIONS[i] === NO_SHOW ? 'Session, missed' : 'Session');
    assert.equal(await line.locator('[name="minutes"]').inputValue(), '50', 'the session\'s length');
    assert.equal(await line.locator('[name="unit"]').inputValue(), '95.00');
    assert.equal((await line.locator('.line-amount').innerText()).trim(), '95.00 EUR');
  }
  assert.match(await o.locator('.invoice-total').innerText(), /Total: 475\.00 EUR/);
  await axe.check(o, 'draft invoice');

  // A refused price: the message next to the field, the typed text kept; then a good one.
  const first = lines.first();
  const firstId = (await first.getAttribute('action')).split('/').pop();
  await first.locator('[name="unit"]').fill('eighty');
  const refused = await submitIn(o, first, 'Save line');
  assert.equal(refused.status(), 422);
  const refusedLine = o.locator(`form.invoice-line[action$="/lines/${firstId}"]`);
  assert.equal(await refusedLine.locator('[name="unit"]').inputValue(), 'eighty', 'the typed price is kept');
  assert.match(await refusedLine.locator('.field-error').innerText(), /Please write an amount like 80 or 80\.50\./);
  // The first line's price is the page's first field named unit: the message sits next to it, is
  // read with it, and the summary at the top leads to it (not to the new line's price further down).
  assert.ok(await errorIsNextToField(o, 'unit', `unit-${firstId}-error`), 'the message is next to the line\'s price');
  assert.equal(await refusedLine.locator('[name="unit"]').getAttribute('aria-describedby'), `unit-${firstId}-error`);
  assert.equal(await refusedLine.locator('[name="unit"]').getAttribute('aria-invalid'), 'true');
  assert.deepEqual(await o.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), [`#unit-${firstId}`]);
  await axe.check(o, 'draft invoice, a refused price');
  await refusedLine.locator('[name="unit"]').fill('80');
  assert.equal((await submitIn(o, refusedLine, 'Save line')).status(), 303);
  assert.equal(await lines.first().locator('[name="unit"]').inputValue(), '80.00');
  assert.match(await o.locator('.invoice-total').innerText(), /Total: 460\.00 EUR/);
  await shootBoth(o, 'billing-draft');

  assert.equal((await submitAndGetPostResponse(o, 'Issue the invoice')).status(), 303);
  assert.equal(o.url(), draftUrl, 'issued in place');
  assert.equal((await o.locator('h1').innerText()).trim(), 'Invoice 0001');
  assert.equal(await fact(o, 'Number'), '0001');
  assert.equal(await fact(o, 'State'), 'Open');
  const reference = await fact(o, 'Payment reference');
  assert.ok(reference.length >= 4, `a payment reference: ${reference}`);
  assert.match(await o.getByRole('region', { name: 'Lines' }).innerText(), /Total\s+460\.00 EUR/);
  await axe.check(o, 'issued invoice');
  await shootBoth(o, 'billing-invoice');
  const invoiceUrl = o.url();

  // 4. The patient signs in and downloads the PDF from the portal.
  const p = await page();
  const mark = sink.mails.length;
  await visit(p, `${server.url}/signin`);
  await p.locator('[name="email"]').fill(email);
  await submitAndGetPostResponse(p, 'Email me a sign-in link');
  const mail = await sink.waitFor((m) => sink.mails.indexOf(m) >= mark && m.envelopeTo.includes(email.toLowerCase()) && m.subject.startsWith('Your sign-in link'), 30_000);
  const link = `${mail.text}\n${mail.html}`.match(/https?:\/\/[^\s"<>]+?\/signin\/[0-9a-f]{64}/);
  assert.ok(link, 'a sign-in link in the mail');
  await visit(p, link[0]);
  assert.equal((await submitAndGetPostResponse(p, 'Sign in')).status(), 303);
  await Promise.all([p.waitForURL(/\/portal\/invoices$/), p.getByRole('link', { name: 'Invoices', exact: true }).click()]);
  const documents = p.locator('ul.document-list > li');
  assert.equal(await documents.count(), 1);
  assert.match(await documents.first().innerText(), /Invoice 0001 · 1 December 2026 · 460\.00 EUR · Open/);
  assert.match(await p.locator('main').innerText(), /Still to pay: 460\.00 EUR/);
  await axe.check(p, 'portal invoices');
  await shootBoth(p, 'billing-portal');
  const [download, response] = await Promise.all([
    p.waitForEvent('download'),
    p.waitForResponse((r) => /\/portal\/invoices\/[^/]+\/pdf$/.test(new URL(r.url()).pathname)),
    documents.first().getByRole('link', { name: 'Download Invoice 0001 (PDF)' }).click(),
  ]);
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-type'], 'application/pdf');
  await mkdir(ARTIFACTS, { recursive: true });
  const pdfPath = path.join(ARTIFACTS, 'billing-invoice-0001.pdf');
  await download.saveAs(pdfPath);
  const bytes = await readFile(pdfPath);
  assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF');
  const { stdout: text } = await execFileP('pdftotext', ['-layout', pdfPath, '-']);
  assert.match(text, /0001/, 'the PDF carries the number');
  assert.match(text, /460\.00/, 'the PDF carries the total');
  assert.ok(text.replace(/\s+/g, ' ').includes(EXEMPTION), 'the PDF carries the exemption wording');
  assert.ok(text.includes(reference), 'the PDF carries the payment reference');

  // 5. The bank statement: the credit matched by its reference, confirmed; the invoice is paid.
  const csv = [
    'Buchungstag;Betrag;Verwendungszweck;Auftraggeber',
    `03.12.2026;460,00;${reference} November;M. Lindqvist-Okafor`,
    '03.12.2026;-4,90;Kontofuehrung;Bank',
  ].join('\n');
  const csvPath = path.join(ARTIFACTS, 'billing-statement.csv');
  await writeFile(csvPath, `${csv}\n`);
  await visit(o, `${server.url}/admin/billing`);
  await Promise.all([o.waitForURL(/\/admin\/billing\/statements$/), o.getByRole('link', { name: 'Read a bank statement' }).click()]);
  await axe.check(o, 'statement upload');
  const readStatement = async () => {
    await o.getByLabel('Statement file').setInputFiles(csvPath);
    await o.getByLabel('Format').selectOption('csv');
    await o.getByLabel('Separator').selectOption(';');
    await o.getByLabel('Date column').fill('Buchungstag');
    await o.getByLabel('Amount column').fill('Betrag');
    await o.getByLabel('Payment reference column').fill('Verwendungszweck');
    await o.getByLabel('Payer column').fill('Auftraggeber');
    await o.getByLabel('Dates are written').selectOption('dmy');
    await o.getByLabel('Amounts use a decimal comma (80,00)').check();
    return submitAndGetPostResponse(o, 'Read the statement');
  };
  assert.equal((await readStatement()).status(), 303);
  assert.match(await o.locator('[role="status"]').innerText(), /^1 new credit, 1 matched to an invoice\.$/);
  const credit = o.locator('ul.credit-list > li');
  assert.equal(await credit.count(), 1, 'only the credit, not the bank\'s fee');
  assert.match(await credit.innerText(), new RegExp(`460\\.00 EUR · 3 December 2026[\\s\\S]*Matched by its reference to invoice 0001 \\(${name}\\)\\.`));
  assert.match(await credit.locator('select[name="invoice"] option:checked').innerText(), /^0001 · /);
  await axe.check(o, 'statement review');
  await shootBoth(o, 'billing-statement');
  assert.equal((await submitAndGetPostResponse(o, 'Confirm the payment')).status(), 303);
  assert.match(await credit.innerText(), /Confirmed\./);
  await visit(o, invoiceUrl);
  assert.equal(await fact(o, 'State'), 'Paid');
  assert.match(await o.getByRole('heading', { name: 'Payments' }).locator('xpath=..').innerText(), /3 December 2026 · Bank transfer · 460\.00 EUR/);

  // The same file again: refused next to the file field, nothing changed.
  await visit(o, `${server.url}/admin/billing/statements`);
  assert.equal((await readStatement()).status(), 422);
  assert.equal((await o.locator('#file-error').innerText()).trim(), 'This statement was read before; nothing changed.');
  assert.ok(await errorIsNextToField(o, 'file', 'file-error'), 'the message is next to the file field');
  assert.equal(await o.getByLabel('Date column').inputValue(), 'Buchungstag', 'the mapping is kept');
  await axe.check(o, 'statement upload, read before');
  await visit(o, invoiceUrl);
  assert.equal(await o.locator('section[aria-labelledby="payments-heading"] ul.day-list li').count(), 1, 'paid once');

  // 6. A credit note for the no-show's line: 0002, referring to 0001.
  await o.getByLabel(/^16 November 2026 · Session, missed · 95\.00 EUR$/).check();
  assert.equal((await submitAndGetPostResponse(o, 'Issue the credit note')).status(), 303);
  assert.equal((await o.locator('h1').innerText()).trim(), 'Credit note 0002');
  assert.equal(await fact(o, 'Number'), '0002');
  const related = o.locator('main ul.day-list li', { hasText: 'Invoice' });
  assert.match(await related.innerText(), /Invoice\s+0001/);
  assert.match(await o.getByRole('region', { name: 'Lines' }).innerText(), /Session, missed[\s\S]*95\.00 EUR/);
  await axe.check(o, 'credit note');
  await Promise.all([o.waitForURL(invoiceUrl), related.getByRole('link', { name: '0001' }).click()]);
  assert.match(await o.locator('main ul.day-list').first().innerText(), /Credit note\s+0002/);
  assert.equal(await fact(o, 'State'), 'Overpaid');

  // The case's billing page lists both documents.
  await visit(o, `${server.url}/admin/cases/${caseId}/billing`);
  const caseDocs = await o.locator('section[aria-labelledby="documents-heading"] table').innerText();
  assert.match(caseDocs, /0001[\s\S]*0002|0002[\s\S]*0001/);
  await axe.check(o, 'case billing');

  // The portal shows the credit note too.
  await visit(p, `${server.url}/portal/invoices`);
  assert.equal(await documents.count(), 2);
  await axe.check(p, 'portal invoices with a credit note');
  axe.assertClean(assert);
});
