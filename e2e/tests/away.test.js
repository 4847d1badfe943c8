// The regular hour and time away as a therapist meets them: a weekly series set on the case's
// series page, a holiday over one of its sessions entered once (cancelled, the patient told), the
// time-away page listing it. axe-core checks both pages; screenshots at 1280 and 390 px are kept in
// e2e/.artifacts/.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, uniqueEmail, submitAndGetPostResponse, signIn, shoot, noSidewaysScroll } from '../lib/harness.js';
import { serverNowMs } from '../lib/clock.js';

const cleanup = cleanupStack();
let server;
let browser;

before(async () => {
  server = cleanup.keep(await startServer({ demo: true, label: 'series and time away (demo)' }));
  browser = cleanup.keep(await launchBrowser());
});

async function page(options) {
  const p = await newPage(browser, options);
  cleanup.add(() => p.context().close());
  return p;
}

/** The Berlin date (YYYY-MM-DD) `days` after the server's today. */
function berlinDate(days) {
  const at = new Date(serverNowMs() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

test('a weekly hour is set and a holiday over one session cancels it', async () => {
  const axe = new AxeReport();
  const o = await page({ viewport: { width: 1280, height: 900 } });
  await signIn(o, server.url, { secret: server.totpSecret() });
  await visit(o, `${server.url}/admin/patients`);
  await o.locator('[name="name"]').fill('Robin Field');
  await o.locator('[name="email"]').fill(uniqueEmail('robin'));
  await o.locator('[name="time_zone"]').fill('Europe/London');
  assert.equal((await submitAndGetPostResponse(o, 'Send the invitation')).status(), 303);
  const caseId = new URL(o.url()).pathname.split('/').pop();

  // The series page, from the case page's "Regular sessions".
  await o.getByRole('link', { name: 'Set or change the regular time' }).click();
  await o.waitForURL(/\/series$/);
  // Refused input stays, with the message next to its field.
  await o.getByLabel('First session').fill('2020-01-01');
  await o.getByLabel(/^Time/).fill('18:00');
  assert.equal((await submitAndGetPostResponse(o, 'Set the regular time')).status(), 422);
  assert.equal(await o.locator('#first-error').count(), 1);
  assert.equal(await o.getByLabel(/^Time/).inputValue(), '18:00');
  await axe.check(o, 'series page, refused');
  const first = berlinDate(3);
  await o.getByLabel('First session').fill(first);
  assert.equal((await submitAndGetPostResponse(o, 'Set the regular time')).status(), 303);
  assert.match(await o.locator('[role="status"]').innerText(), /sessions booked for the next six months/);
  assert.match(await o.locator('main').innerText(), /Weekly on \w+day at 18:00 \(Europe\/Berlin\)/);
  await axe.check(o, 'series page, running');
  await shoot(o, 'series-set-1280');
  await o.setViewportSize({ width: 390, height: 844 });
  await noSidewaysScroll(o, 'series page at 390 px');
  await shoot(o, 'series-set-390');
  await o.setViewportSize({ width: 1280, height: 900 });

  // A holiday over the second session: cancelled, and listed as entered.
  await visit(o, `${server.url}/admin/absences`);
  const second = berlinDate(10);
  await o.getByLabel('First day').fill(second);
  await o.getByLabel('Last day').fill(second);
  await o.getByLabel('Kind').selectOption('holiday');
  await o.getByLabel('Cancel them and tell each patient once').check();
  assert.equal((await submitAndGetPostResponse(o, 'Enter')).status(), 303);
  assert.match(await o.locator('[role="status"]').innerText(), /One session was cancelled; the patient is told\./);
  assert.match(await o.locator('main').innerText(), /Holiday: /);
  await axe.check(o, 'time away');
  await shoot(o, 'away-1280');
  await o.setViewportSize({ width: 390, height: 844 });
  await noSidewaysScroll(o, 'time away at 390 px');
  await shoot(o, 'away-390');

  // The case page says what is left out.
  await visit(o, `${server.url}/admin/cases/${caseId}`);
  assert.match(await o.locator('#series').innerText(), /Left out: /);
  axe.assertClean(assert);
});
