// A session's note: the therapist writes it in a template once the session's room opens, signs it,
// and can then only add dated addenda; the process notes stay private and apart. axe-core checks the
// draft and the signed note; screenshots at 1280 and 390 px are kept in e2e/.artifacts/.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, uniqueEmail, submitAndGetPostResponse, signIn, shoot, noSidewaysScroll } from '../lib/harness.js';
import { sensitive } from '../lib/privacy.js';

const cleanup = cleanupStack();
let server;
let browser;

before(async () => {
  server = cleanup.keep(await startServer({ demo: true, label: 'notes (demo)' }));
  browser = cleanup.keep(await launchBrowser());
});

async function page(options) {
  const p = await newPage(browser, options);
  cleanup.add(() => p.context().close());
  return p;
}

/** Date and time in Berlin (the demo therapist's zone) of `at`, on a five-minute step. */
function berlinStep(at) {
  const step = new Date(Math.ceil(at / 300_000) * 300_000);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(step);
  const get = (t) => parts.find((p) => p.type === t).value;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

const WORDS = sensitive('Robin said the week felt long; sleep still poor since the move.');

test('a note is drafted, signed, then only amended; the process notes stay private', async () => {
  const axe = new AxeReport();
  const o = await page({ viewport: { width: 1280, height: 900 } });
  await signIn(o, server.url, { secret: server.totpSecret() });
  await visit(o, `${server.url}/admin/patients`);
  await o.locator('[name="name"]').fill('Robin Field');
  await o.locator('[name="email"]').fill(uniqueEmail('robin'));
  await o.locator('[name="time_zone"]').fill('Europe/London');
  assert.equal((await submitAndGetPostResponse(o, 'Send the invitation')).status(), 303);
  const caseId = new URL(o.url()).pathname.split('/').pop();

  // A session starting within ten minutes: its room is open, so its note can be written.
  const { date, time } = berlinStep(Date.now() + 5 * 60_000);
  await visit(o, `${server.url}/admin/calendar?day=${date}`);
  const csrf = await o.locator('input[name="csrf"]').first().inputValue();
  const added = await o.request.post(`${server.url}/admin/calendar/appointments`, {
    form: { csrf, case: caseId, kind: 'session', date, time, clash: 'on' }, maxRedirects: 0,
  });
  assert.equal(added.status(), 303);
  await visit(o, `${server.url}/admin/calendar?day=${date}`);
  const id = (await o.locator('a.cal-item', { hasText: time }).first().getAttribute('href')).split('/').pop();
  await visit(o, `${server.url}/admin/calendar/${id}`);
  await Promise.all([o.waitForURL(/\/admin\/notes\//), o.getByRole('link', { name: 'Session note' }).click()]);

  await o.locator('#template-choice').selectOption('soap');
  await Promise.all([o.waitForURL(/template=soap/), o.getByRole('button', { name: 'Use this template' }).click()]);
  await o.getByLabel('Subjective').fill(WORDS);
  await o.getByLabel('Process notes (private)').fill(sensitive('I noticed my own wish to reassure.'));
  await axe.check(o, 'note, draft');
  assert.equal((await submitAndGetPostResponse(o, 'Save the draft')).status(), 303);
  assert.equal(await o.getByLabel('Subjective').inputValue(), WORDS, 'the draft is kept');

  // Signing without the confirmation is refused next to the box, the text kept.
  assert.equal((await submitAndGetPostResponse(o, 'Sign the note')).status(), 422);
  assert.equal(await o.locator('#confirm-error').count(), 1);
  assert.equal(await o.getByLabel('Subjective').inputValue(), WORDS);
  await o.locator('#confirm').check();
  assert.equal((await submitAndGetPostResponse(o, 'Sign the note')).status(), 303);
  assert.match(await o.locator('main').innerText(), /Signed by Dr\. Anna Lindqvist/);
  assert.equal(await o.locator('textarea[name="section_0"]').count(), 0, 'nothing left to change it with');

  await o.getByLabel('Addendum').fill(sensitive('Correction: her sister, not her mother.'));
  assert.equal((await submitAndGetPostResponse(o, 'Add the addendum')).status(), 303);
  assert.match(await o.locator('#addenda').innerText(), /Correction: her sister, not her mother\./);
  await axe.check(o, 'note, signed with an addendum');
  await shoot(o, 'note-signed-1280');

  const phone = await page({ viewport: { width: 390, height: 844 } });
  await phone.context().addCookies(await o.context().cookies());
  await visit(phone, o.url());
  await noSidewaysScroll(phone, 'the signed note at 390');
  await shoot(phone, 'note-signed-390');

  await visit(o, `${server.url}/admin/cases/${caseId}`);
  assert.match(await o.locator('#sessions').innerText(), /Note signed/);
  axe.assertClean(assert);
});
