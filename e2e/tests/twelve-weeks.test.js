// Twelve weeks of therapy, end to end, with the server's clock moved on by the test (each move is a
// restart at the new instant, as a night passes for a real server): the therapist sets the weekly
// hour, takes a holiday, the patient moves one session herself, one session is a no-show, notes are
// written and signed with an addendum, the ending is planned (sessions left shown to both), the
// closing summary written, and the case is then ended and read-only.
import { before } from 'node:test';
import assert from 'node:assert/strict';

// The clock starts on Monday 30 November 2026, 08:00 in Berlin (the demo therapist's zone), whatever
// day the suite runs; each test file is its own process, so this moves no other file's clock.
process.env.E2E_NOW = '2026-11-30T07:00:00Z';
const { startServer } = await import('../lib/server.js');
const { startSmtpSink } = await import('../lib/smtp.js');
const { advanceClock, serverNowMs } = await import('../lib/clock.js');
const { launchBrowser, newPage, visit } = await import('../lib/browser.js');
const { AxeReport } = await import('../lib/axe.js');
const { test, cleanupStack, uniqueEmail, submitAndGetPostResponse, signIn, DEMO } = await import('../lib/harness.js');
const { sensitive } = await import('../lib/privacy.js');

const cleanup = cleanupStack();
let server;
let sink;
let browser;

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'twelve weeks (demo, SMTP)' }));
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

/** The appointment page of the case's session on `date` at 10:00 Berlin (from the week grid). */
async function sessionOn(o, date) {
  await visit(o, `${server.url}/admin/calendar?day=${date}`);
  const link = o.locator(`a.cal-item[href^="/admin/calendar/"]`, { hasText: '10:00' }).first();
  const href = await link.getAttribute('href');
  return href.split('/').pop();
}

function linkIn(mail, pathRegex) {
  const m = `${mail.text}\n${mail.html}`.match(new RegExp(`https?://[^\\s"<>]+?${pathRegex}`));
  assert.ok(m, `a link matching ${pathRegex} in "${mail.subject}"`);
  return m[0];
}

async function patientSignsIn(p, link, name) {
  await visit(p, link);
  assert.equal((await p.locator('h1').innerText()).trim(), `Sign in as ${name}`);
  assert.equal((await submitAndGetPostResponse(p, 'Sign in')).status(), 303);
  assert.equal(new URL(p.url()).pathname, '/portal');
}

const NOTE = sensitive('Spoke about the move and the first weeks in the new job.');

test('twelve weeks of therapy: the hour, a holiday, a move, a no-show, notes, the ending', async () => {
  const axe = new AxeReport();
  const name = 'Robin Field';
  const email = uniqueEmail('robin');

  // Week 1, Monday 08:00. The case, the weekly hour at 10:00, a holiday over the New Year.
  let o = await therapist();
  await visit(o, `${server.url}/admin/patients`);
  await o.locator('[name="name"]').fill(name);
  await o.locator('[name="email"]').fill(email);
  await o.locator('[name="time_zone"]').fill('Europe/Berlin');
  assert.equal((await submitAndGetPostResponse(o, 'Send the invitation')).status(), 303);
  const caseId = new URL(o.url()).pathname.split('/').pop();
  await visit(o, `${server.url}/admin/cases/${caseId}/series`);
  await o.getByLabel('First session').fill('2026-11-30');
  await o.getByLabel(/^Time/).fill('10:00');
  assert.equal((await submitAndGetPostResponse(o, 'Set the regular time')).status(), 303);
  assert.match(await o.locator('[role="status"]').innerText(), /27 sessions booked for the next six months/);
  // On the board, the first of those hours is the consultation.
  await visit(o, `${server.url}/admin/cases/${caseId}/workspace`);
  assert.equal((await submitAndGetPostResponse(o, 'Move to "Consultation booked"')).status(), 303);
  await visit(o, `${server.url}/admin/absences`);
  await o.getByLabel('First day').fill('2026-12-28');
  await o.getByLabel('Last day').fill('2027-01-03');
  await o.getByLabel('Cancel them and tell each patient once').check();
  assert.equal((await submitAndGetPostResponse(o, 'Enter')).status(), 303);
  assert.match(await o.locator('[role="status"]').innerText(), /One session was cancelled/);

  // The patient signs in and moves the second session herself, within the notice period's rules.
  const invitation = await sink.waitFor((m) => m.envelopeTo.includes(email.toLowerCase()) && m.subject === `${DEMO.practice}: your client portal`, 30_000);
  const p = await page();
  await patientSignsIn(p, linkIn(invitation, '/signin/[0-9a-f]{64}'), name);
  const listed = await p.locator('ul.appointments li').allInnerTexts();
  assert.match(listed[1], /7 December 2026/, `the second session is on 7 December: ${listed[1]}`);
  await Promise.all([p.waitForURL(/\/booking\//), p.locator('ul.appointments li').nth(1).getByRole('button', { name: 'Move or cancel' }).click()]);
  await Promise.all([p.waitForURL(/reschedule=/), p.getByRole('link', { name: 'Choose another time', exact: true }).click()]);
  await Promise.all([p.waitForURL(/\/move\//), p.locator('.slot-list a').first().click()]);
  assert.equal((await submitAndGetPostResponse(p, 'Move my appointment to this time')).status(), 303);
  await visit(p, `${server.url}/portal`);
  const after = await p.locator('ul.appointments li').allInnerTexts();
  assert.ok(!after.some((l) => /7 December 2026.*10:00/.test(l)), `the 7 December session moved: ${after.join(' | ')}`);
  await axe.check(p, 'portal with the regular hour');

  // Week 1, Monday 10:05: the first session has begun. Attended; the note written and signed.
  await moveTo('2026-11-30T09:05:00Z');
  o = await therapist();
  const first = await sessionOn(o, '2026-11-30');
  await visit(o, `${server.url}/admin/calendar/${first}`);
  await o.getByLabel('Attended').check();
  assert.equal((await submitAndGetPostResponse(o, 'Save attendance')).status(), 303);
  await visit(o, `${server.url}/admin/notes/${first}`);
  await o.locator('textarea[name="section_0"]').fill(NOTE);
  await o.locator('#confirm').check();
  assert.equal((await submitAndGetPostResponse(o, 'Sign the note')).status(), 303);
  assert.match(await o.locator('main').innerText(), /Signed by Dr\. Anna Lindqvist/);
  // That first hour was the consultation: the decision to continue, and the case is in therapy.
  await visit(o, `${server.url}/admin/cases/${caseId}/workspace`);
  assert.equal((await submitAndGetPostResponse(o, 'Move to "Consultation held"')).status(), 303);
  await o.getByLabel('What I think is going on').fill(sensitive('A move, a new job, and an old loss stirred by both.'));
  await o.getByLabel('Frequency').fill('weekly');
  await o.getByLabel('Continue in therapy').check();
  assert.ok([200, 303].includes((await submitAndGetPostResponse(o, 'Save')).status()));
  assert.equal((await submitAndGetPostResponse(o, 'Move to "In therapy"')).status(), 303);

  // Week 3, Monday 10:55: she did not come. A no-show, charged as the frame says.
  await moveTo('2026-12-14T09:55:00Z');
  o = await therapist();
  const third = await sessionOn(o, '2026-12-14');
  await visit(o, `${server.url}/admin/calendar/${third}`);
  await o.getByLabel('Did not come (no-show)').check();
  assert.equal((await submitAndGetPostResponse(o, 'Save attendance')).status(), 303);
  assert.match(await o.locator('main').innerText(), /no-show/i);
  await axe.check(o, 'appointment, no-show');

  // Week 6 (the holiday's week had no session), Monday 10:55: a note, signed, then an addendum;
  // the ending is planned for 15 February.
  await moveTo('2027-01-04T09:55:00Z');
  o = await therapist();
  const sixth = await sessionOn(o, '2027-01-04');
  await visit(o, `${server.url}/admin/calendar/${sixth}`);
  await o.getByLabel('Attended').check();
  assert.equal((await submitAndGetPostResponse(o, 'Save attendance')).status(), 303);
  await visit(o, `${server.url}/admin/notes/${sixth}`);
  await o.locator('textarea[name="section_0"]').fill(sensitive('We agreed to work towards an ending in February.'));
  await o.locator('#confirm').check();
  assert.equal((await submitAndGetPostResponse(o, 'Sign the note')).status(), 303);
  await o.getByLabel('Addendum').fill(sensitive('Correction: the ending in mid-February, not at its start.'));
  assert.equal((await submitAndGetPostResponse(o, 'Add the addendum')).status(), 303);
  await visit(o, `${server.url}/admin/cases/${caseId}`);
  await o.getByLabel('The last day', { exact: true }).fill('2027-02-15');
  await o.getByLabel('Cancel the booked sessions after the last day').check();
  assert.equal((await submitAndGetPostResponse(o, 'Plan the ending')).status(), 303);
  assert.match(await o.locator('#ending').innerText(), /Ending planned for 15 February 2027 · 6 sessions left/);
  await axe.check(o, 'case page, ending planned');

  // The patient sees the same count in her portal.
  const signinMark = sink.mails.length;
  await visit(p, `${server.url}/signin`);
  await p.locator('[name="email"]').fill(email);
  await submitAndGetPostResponse(p, 'Email me a sign-in link');
  const link = await sink.waitFor((m) => sink.mails.indexOf(m) >= signinMark && m.envelopeTo.includes(email.toLowerCase()) && m.subject.startsWith('Your sign-in link'), 30_000);
  await patientSignsIn(p, linkIn(link, '/signin/[0-9a-f]{64}'), name);
  assert.match(await p.locator('main').innerText(), /6 sessions left before our ending on 15 February 2027/);

  // Week 12, the last session over: the closing summary; the case is ended, its record read-only.
  await moveTo('2027-02-15T10:00:00Z');
  o = await therapist();
  await visit(o, `${server.url}/admin/cases/${caseId}/ending`);
  await o.getByLabel('Closing summary').fill(sensitive('Twelve weeks; the work we set out to do is done for now.'));
  await o.getByLabel('I understand that the record becomes read-only').check();
  await axe.check(o, 'closing form');
  assert.equal((await submitAndGetPostResponse(o, 'Close the case')).status(), 303);
  await visit(o, `${server.url}/admin/cases/${caseId}`);
  assert.match(await o.locator('#ending').innerText(), /This case ended on 15 February 2027; its record is read-only\./);
  await visit(o, `${server.url}/admin/notes/${first}`);
  assert.equal(await o.locator('textarea[name="section_0"]').count(), 0, 'nothing left to change');
  const csrf = await o.locator('input[name="csrf"]').first().inputValue();
  const refused = await o.request.post(`${server.url}/admin/cases/${caseId}/series`, {
    form: { csrf, frequency: 'weekly', first: '2027-03-01', time: '10:00', kind: 'session' }, maxRedirects: 0,
  });
  assert.equal(refused.status(), 409, 'no new sessions for an ended case');
  await visit(o, `${server.url}/admin/cases/${caseId}/series`);
  assert.match(await o.locator('main').innerText(), /Weekly on Monday at 10:00 \(Europe\/Berlin\)/);
  axe.assertClean(assert);
});
