// Crisis contacts follow where the person is: a visitor sees every country the practice knows (the
// practice's own first); a patient in New York who answers the PHQ-9's ninth item above "Not at all"
// sees the United States' services first and the rest behind "Other countries"; told in the profile
// that they are in Germany, Germany's come first. The owner keeps the countries on the practice page.
// axe-core checks each page; screenshots at 390 and 1280 px are kept in e2e/.artifacts/.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, uniqueEmail, submitAndGetPostResponse, signIn, errorIsNextToField, shoot, noSidewaysScroll, ARTIFACTS } from '../lib/harness.js';

const cleanup = cleanupStack();
let server;
let sink;
let browser;
let owner;

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'crisis (demo, SMTP)' }));
  browser = cleanup.keep(await launchBrowser());
  await mkdir(ARTIFACTS, { recursive: true });
  owner = await page();
  await signIn(owner, server.url, { secret: server.totpSecret() });
});

async function page(options) {
  const p = await newPage(browser, options);
  cleanup.add(() => p.context().close());
  return p;
}



/** The countries named in a crisis box, in the order shown (a closed disclosure's are not shown). */
async function countriesIn(locator) {
  return (await locator.locator('.crisis-line > strong').allInnerTexts()).filter((t) => t !== '');
}

test('a visitor sees every country, the practice\'s own first, on a phone and a laptop', async () => {
  const axe = new AxeReport();
  for (const [w, h] of [[390, 844], [1280, 800]]) {
    const p = await page({ viewport: { width: w, height: h } });
    await visit(p, `${server.url}/`);
    const footer = p.locator('footer .crisis');
    assert.deepEqual(await countriesIn(footer), ['Germany:', 'Britain (UK):', 'United States:', 'Anywhere else:']);
    await noSidewaysScroll(p, `home at ${w}`);
    await axe.check(p, `home at ${w}`);
    await footer.scrollIntoViewIfNeeded();
    await p.screenshot({ path: path.join(ARTIFACTS, `crisis-footer-${w}.png`) });
  }
  axe.assertClean(assert);
});

test('the owner adds a country on the practice page; an empty text is refused next to the field', async () => {
  const axe = new AxeReport();
  await visit(owner, `${server.url}/admin/practice`);
  await axe.check(owner, 'practice page');
  await owner.locator('#country').selectOption('GR');
  await owner.locator('#contacts').fill('');
  await owner.locator('form[action="/admin/practice/crisis"]').evaluate((f) => { f.noValidate = true; });
  assert.equal((await submitAndGetPostResponse(owner, 'Save this country\'s services')).status(), 422);
  await errorIsNextToField(owner, 'contacts', 'contacts-error');
  assert.equal(await owner.locator('#country').inputValue(), 'GR', 'the country chosen is kept');
  await axe.check(owner, 'practice page with an error');
  await owner.locator('#contacts').fill('Emergency: 112. Suicide prevention line: 1018.');
  assert.equal((await submitAndGetPostResponse(owner, 'Save this country\'s services')).status(), 303);
  assert.match(await owner.locator('main').innerText(), /Saved\. People in Greece see these services first\./);
  await shoot(owner, 'crisis-practice-1280');
  axe.assertClean(assert);
});

test('a patient in New York sees 988 first; told they are in Germany, Germany\'s services', async () => {
  const axe = new AxeReport();
  const email = uniqueEmail('jo');
  await visit(owner, `${server.url}/admin/patients`);
  await owner.locator('[name="name"]').fill('Jo Rivera');
  await owner.locator('[name="email"]').fill(email);
  await owner.locator('[name="time_zone"]').fill('America/New_York');
  assert.equal((await submitAndGetPostResponse(owner, 'Send the invitation')).status(), 303);
  // The invitation sends the intake and the measures with it.
  const mail = await sink.waitFor((m) => m.envelopeTo.includes(email) && /\/signin\//.test(m.text), 30_000);
  const link = mail.text.match(/https?:\/\/\S+\/signin\/[0-9a-f]{64}/)[0];
  const p = await page({ viewport: { width: 390, height: 844 }, timezoneId: 'America/New_York' });
  await visit(p, link);
  assert.equal((await submitAndGetPostResponse(p, 'Sign in')).status(), 303);
  await visit(p, `${server.url}/portal`);
  await Promise.all([
    p.waitForURL((u) => u.pathname.startsWith('/portal/questionnaires/'), { waitUntil: 'load' }),
    p.getByRole('link', { name: 'Patient Health Questionnaire-9 (PHQ-9)', exact: true }).click(),
  ]);
  const phq = p.url();
  await p.getByRole('group', { name: /^9\. Thoughts that you would be better off dead/ }).getByLabel('Several days').check();
  const notice = p.locator('#risk-notice');
  await notice.waitFor({ state: 'visible', timeout: 15_000 });
  assert.deepEqual(await countriesIn(notice), ['United States:', 'Anywhere else:']);
  assert.match(await notice.innerText(), /988/);
  assert.equal(await notice.locator('details.crisis-others').count(), 1, 'the other countries behind a disclosure');
  await noSidewaysScroll(p, 'PHQ-9 with the risk notice');
  await axe.check(p, 'PHQ-9 with the risk notice');
  await notice.screenshot({ path: path.join(ARTIFACTS, 'crisis-risk-notice-390.png') });

  await visit(p, `${server.url}/portal/profile`);
  await axe.check(p, 'profile');
  await p.locator('#country').selectOption('DE');
  assert.equal((await submitAndGetPostResponse(p, 'Save')).status(), 303);
  await visit(p, phq);
  assert.deepEqual((await countriesIn(p.locator('#risk-notice'))).slice(0, 1), ['Germany:']);
  axe.assertClean(assert);
});
