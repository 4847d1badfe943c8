// The intake in the patient portal, in a real browser: what the patient types is saved by itself
// (a reload keeps it), the family list grows with "Add more rows", the questionnaire is sent; the
// PHQ-9's ninth item shows the crisis contacts at once and mails the therapist a notice without
// content. axe-core checks every new page on the way.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, uniqueEmail, DEMO, signIn, submitAndGetPostResponse } from '../lib/harness.js';
import { sensitive } from '../lib/privacy.js';

const INVITATION = `${DEMO.practice}: your client portal`;
const ALERT = `${DEMO.practice}: a response needs your attention`;
const BRINGS_ME = sensitive('Since the autumn I sleep badly and worry about work, e2e intake text');
const MOTHER = sensitive('Ruthilde');

const cleanup = cleanupStack();
let server;
let sink;
let browser;
let therapistPage = null;

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'intake (demo, SMTP)' }));
  browser = cleanup.keep(await launchBrowser());
});

async function page() {
  const p = await newPage(browser);
  cleanup.add(() => p.context().close());
  return p;
}

/** The demo's therapist, signed in once for the file (a TOTP code is good once per 30 s). */
async function therapistSignedIn() {
  if (!therapistPage) {
    therapistPage = await page();
    await signIn(therapistPage, server.url, { secret: server.totpSecret() });
  }
  return therapistPage;
}

/** Waits until the autosave's live region says `text`. */
async function saysSaved(p) {
  await p.waitForFunction(() => document.getElementById('autosave-status')?.textContent.trim() === 'Saved.', null, { timeout: 15_000 });
}

/** Opens the portal's questionnaire named `title` from the front page. */
async function openFromPortal(p, title) {
  await visit(p, `${server.url}/portal`);
  await Promise.all([
    p.waitForURL((u) => u.pathname.startsWith('/portal/questionnaires/'), { waitUntil: 'load' }),
    p.getByRole('link', { name: title, exact: true }).click(),
  ]);
}

/** Clicks a submit button and waits for the page it leads to. */
async function press(p, name) {
  const res = await submitAndGetPostResponse(p, name);
  assert.ok([200, 303].includes(res.status()), `"${name}" answered ${res.status()}`);
}

test('the intake saves as the patient types, survives a reload, and is sent; a PHQ-9 risk answer shows help at once', async () => {
  const axe = new AxeReport();
  const name = 'Ilse Beispiel';
  const email = uniqueEmail('ilse');

  // The therapist invites a patient.
  const therapist = await therapistSignedIn();
  await visit(therapist, `${server.url}/admin/patients`);
  await therapist.locator('[name="name"]').fill(name);
  await therapist.locator('[name="email"]').fill(email);
  await therapist.locator('[name="time_zone"]').fill('Europe/Berlin');
  await press(therapist, 'Send the invitation');
  const casePath = new URL(therapist.url()).pathname;
  assert.match(casePath, /^\/admin\/cases\/[0-9a-f]{32}$/);

  const invitation = await sink.waitFor((m) => m.subject === INVITATION && m.envelopeTo.includes(email), 30_000);
  const link = invitation.text.match(/https?:\/\/\S+\/signin\/[0-9a-f]{64}/)[0];
  const patient = await page();
  await visit(patient, link);
  await press(patient, 'Sign in');
  assert.equal(new URL(patient.url()).pathname, '/portal');
  assert.equal(await patient.getByRole('heading', { name: 'Questionnaires', level: 2 }).count(), 1);
  await axe.check(patient, 'portal with questionnaires');

  // The intake: typing is saved a moment later, and a reload keeps it.
  await openFromPortal(patient, 'Getting to know you');
  const intakePath = new URL(patient.url()).pathname;
  await axe.check(patient, 'intake, part 1');
  assert.match(await patient.locator('#progress-text').innerText(), /Part 1 of 10 · 0 of 22 questions answered/);
  const bringsMe = patient.getByLabel('What brings you to therapy at this time?', { exact: true });
  await bringsMe.fill(BRINGS_ME);
  await saysSaved(patient);
  assert.match(await patient.locator('#progress-answered').innerText(), /^1 of 22 questions answered$/);
  await patient.reload({ waitUntil: 'load' });
  assert.equal(await patient.getByLabel('What brings you to therapy at this time?', { exact: true }).inputValue(), BRINGS_ME,
    'the text is still there after a reload');

  // On to the next part; the risk question offers to leave it unanswered.
  await press(patient, 'Save and continue');
  assert.match(await patient.locator('#progress-text').innerText(), /Part 2 of 10/);
  const harm = patient.getByRole('group', { name: /thoughts of harming yourself/ });
  assert.equal(await harm.getByRole('radio').count(), 6, 'five answers and "Leave unanswered"');
  assert.ok(await harm.getByLabel('Leave unanswered').isChecked());
  await axe.check(patient, 'intake, part 2 (the risk question)');

  // The family: one person, then more rows.
  await press(patient, 'Your family');
  await patient.getByRole('group', { name: 'Person 1', exact: true }).getByLabel('Who is this person to you?').selectOption('mother');
  await patient.getByRole('group', { name: 'Person 1', exact: true }).getByLabel('First name or initials').fill(MOTHER);
  await saysSaved(patient);
  await axe.check(patient, 'intake, the family');
  await press(patient, 'Add more rows');
  assert.equal(await patient.locator('fieldset.person').count(), 12);
  assert.equal(await patient.getByRole('group', { name: 'Person 1', exact: true }).getByLabel('First name or initials').inputValue(), MOTHER);
  await patient.locator('fieldset.person').nth(0).locator('summary').click();
  await axe.check(patient, 'intake, the family with more rows and links open');

  // Everything else may be skipped: the last part sends it.
  await press(patient, 'Practical wishes');
  await patient.getByLabel('Which days of the week suit you for sessions?').fill('Tuesdays');
  await press(patient, 'Send to Dr. Anna Lindqvist');
  assert.equal(new URL(patient.url()).pathname, intakePath);
  assert.match(await patient.locator('main').innerText(), /Thank you\. Your answers have been sent\./);
  assert.match(await patient.locator('main').innerText(), new RegExp(BRINGS_ME));
  assert.equal(await patient.locator('textarea, input[type="text"]').count(), 0, 'a sent intake is read-only');
  await axe.check(patient, 'intake, sent');

  // The PHQ-9: the ninth item above "Not at all" shows the crisis contacts before anything is sent.
  await openFromPortal(patient, 'Patient Health Questionnaire-9 (PHQ-9)');
  await axe.check(patient, 'PHQ-9');
  assert.equal(await patient.locator('#risk-notice').isVisible(), false);
  await patient.getByRole('group', { name: /^9\. Thoughts that you would be better off dead/ }).getByLabel('Several days').check();
  await patient.locator('#risk-notice').waitFor({ state: 'visible', timeout: 15_000 });
  assert.match(await patient.locator('#risk-notice').innerText(), /If you are in danger now[\s\S]*TelefonSeelsorge/);
  assert.match(await patient.locator('#risk-live').textContent(), /TelefonSeelsorge/, 'announced to screen readers');
  for (let n = 1; n <= 8; n += 1) {
    await patient.getByRole('group', { name: new RegExp(`^${n}\\. `) }).getByLabel('Not at all').check();
  }
  await press(patient, 'Send to Dr. Anna Lindqvist');
  assert.match(await patient.locator('#risk-notice').innerText(), /TelefonSeelsorge/);
  await axe.check(patient, 'PHQ-9, sent with a risk answer');

  // The therapist: the case is marked, the response reads in its words, the mail says only "look".
  await visit(therapist, `${server.url}${casePath}`);
  assert.match(await therapist.locator('#questionnaires').innerText(), /A response needs your attention\./);
  await axe.check(therapist, 'case page with the mark');
  await therapist.getByRole('link', { name: 'Read the response', exact: true }).click();
  await therapist.waitForURL((u) => u.pathname.startsWith('/admin/responses/'));
  assert.match(await therapist.locator('main').innerText(), /Patient Health Questionnaire-9 \(PHQ-9\): total 1 of 27, Minimal/);
  await axe.check(therapist, 'a response, as the therapist reads it');
  const alert = await sink.waitFor((m) => m.subject === ALERT, 60_000);
  const all = `${alert.subject}\n${alert.text}\n${alert.html}`;
  for (const word of ['PHQ', 'Several days', 'better off dead', 'Minimal', name, BRINGS_ME, MOTHER]) {
    assert.ok(!all.includes(word), `the alert does not say ${JSON.stringify(word)}`);
  }
  assert.ok(all.includes(`${server.url}${casePath}`), 'the alert links to the case');
  await press(therapist, 'I have seen it');
  assert.doesNotMatch(await therapist.locator('main').innerText(), /A response needs your attention\./);

  axe.assertClean(assert);
});

test('the therapist copies the intake and edits the copy into a new version', async () => {
  const axe = new AxeReport();
  const therapist = await therapistSignedIn();
  await visit(therapist, `${server.url}/admin/questionnaires`);
  await axe.check(therapist, 'questionnaires');
  await press(therapist, 'Make my own copy');
  assert.match(new URL(therapist.url()).pathname, /^\/admin\/questionnaires\/[0-9a-f]{32}$/);
  assert.match(await therapist.locator('main').innerText(), /Your copy, version 1/);
  await axe.check(therapist, 'the editor');

  // An empty title is refused next to the field, the rest kept.
  await therapist.getByLabel('Title', { exact: true }).fill('');
  await therapist.locator('[name="q.doctor.remove"]').check();
  const refused = await submitAndGetPostResponse(therapist, 'Save as a new version');
  assert.equal(refused.status(), 422);
  assert.ok(await therapist.locator('#title-error').isVisible());
  assert.ok(await therapist.locator('[name="q.doctor.remove"]').isChecked(), 'the input is kept');
  await axe.check(therapist, 'the editor with an error');

  await therapist.getByLabel('Title', { exact: true }).fill('Before we meet');
  await press(therapist, 'Save as a new version');
  assert.match(await therapist.locator('main').innerText(), /Saved as a new version\./);
  assert.match(await therapist.locator('main').innerText(), /Your copy, version 2/);
  assert.equal(await therapist.locator('[name="q.doctor.label"]').count(), 0, 'the question is gone from the new version');
  await visit(therapist, `${server.url}/admin/questionnaires`);
  assert.match(await therapist.locator('main').innerText(), /Before we meet/);
  await visit(therapist, `${server.url}/admin/questionnaires/builtin-intake-1`);
  assert.match(await therapist.locator('h1').innerText(), /Getting to know you/, 'the built-in is unchanged');
  await axe.check(therapist, 'a built-in questionnaire');
  axe.assertClean(assert);
});
