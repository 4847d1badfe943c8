// The whole first session, in one browser run: the therapist invites a patient and books the
// consultation; the patient fills in the intake (the text survives a reload by autosave) and sends it;
// the two meet in the video room; the therapist's workspace shows the intake and the genogram, keeps
// the notes as they are typed, records the decision to continue, and the case moves into therapy (not
// before); a PHQ-9 is scheduled and its chart shared with the patient; the agreement is sent and signed; the template changes and the patient is asked to sign
// again. axe-core checks every page on the way.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, submitAndGetPostResponse, mainShowsText } from '../lib/harness.js';
import { RoomWorld, waitConnected, letIn } from '../lib/room.js';
import { sensitive } from '../lib/privacy.js';

const cleanup = cleanupStack();
let server;
let world;

before(async () => {
  const sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'first session (demo)' }));
  const browser = cleanup.keep(await launchBrowser());
  world = new RoomWorld({ server, sink, browser, cleanup });
});

const BRINGS = sensitive('I have been sleeping badly since we moved to a new town, first-session e2e');
const NOTES = sensitive('Grief for the old town; a sister she trusts; first-session e2e notes');

async function press(p, name) {
  const res = await submitAndGetPostResponse(p, name);
  assert.ok([200, 303].includes(res.status()), `"${name}" answered ${res.status()}`);
}

async function saved(p) {
  await p.waitForFunction(() => document.getElementById('autosave-status')?.textContent.trim() === 'Saved.', null, { timeout: 15_000 });
}

test('invited, intake, the consultation, the workspace, the decision, the signed frame, a new version to sign', async () => {
  const axe = new AxeReport();
  const pat = await world.patient('Lena Hartmann');
  const room = await world.session(pat);
  const o = await world.owner();

  // The intake, from the portal: saved as she types, still there after a reload; then sent.
  const p = pat.page;
  await visit(p, `${server.url}/portal`);
  await Promise.all([
    p.waitForURL((u) => u.pathname.startsWith('/portal/questionnaires/'), { waitUntil: 'load' }),
    p.getByRole('link', { name: 'Getting to know you', exact: true }).click(),
  ]);
  const brings = p.getByLabel('What brings you to therapy at this time?', { exact: true });
  await brings.fill(BRINGS);
  await saved(p);
  await p.reload({ waitUntil: 'load' });
  assert.equal(await p.getByLabel('What brings you to therapy at this time?', { exact: true }).inputValue(), BRINGS);
  await press(p, 'Your family');
  const mother = p.getByRole('group', { name: 'Person 1', exact: true });
  await mother.getByLabel('Who is this person to you?').selectOption('mother');
  await mother.getByLabel('First name or initials').fill(sensitive('Marta'));
  await saved(p);
  await press(p, 'Practical wishes');
  await press(p, 'Send to Dr. Anna Lindqvist');
  assert.match(await p.locator('main').innerText(), /Thank you\. Your answers have been sent\./);

  // The consultation: the room, the waiting room, both connected.
  await world.enter(p, room);
  await world.enter(o, room);
  await letIn(o, pat);
  await waitConnected(p);
  await waitConnected(o);
  await o.getByRole('button', { name: 'End the session', exact: true }).click();
  await o.getByRole('dialog').getByRole('button', { name: 'Yes, end it now' }).click();

  // The workspace: her words, the genogram, the guide; notes kept as they are typed.
  await visit(o, `${server.url}/admin/patients`);
  await Promise.all([o.waitForNavigation({ waitUntil: 'load' }), o.getByRole('link', { name: pat.name }).first().click()]);
  const casePath = new URL(o.url()).pathname;
  await Promise.all([o.waitForNavigation({ waitUntil: 'load' }), o.getByRole('link', { name: 'Open the first-session workspace' }).click()]);
  const workspace = o.url();
  await o.locator('.workspace-intake summary').click();
  assert.ok(await mainShowsText(o, BRINGS), 'the intake reads back in the workspace');
  assert.equal(await o.locator('figure.genogram svg[role="img"]').count(), 1, 'the genogram is drawn');
  await axe.check(o, 'the workspace');
  await o.getByLabel('What brings them').check();
  await o.getByLabel('Family and caretakers').check();
  await o.getByLabel('Notes').fill(NOTES);
  await saved(o);
  await o.reload({ waitUntil: 'load' });
  assert.equal(await o.getByLabel('Notes').inputValue(), NOTES, 'the notes were saved as typed');
  assert.ok(await o.getByLabel('Family and caretakers').isChecked());

  // No therapy before a decision to continue.
  const moveTo = (stage) => o.getByRole('button', { name: `Move to "${stage}"` });
  await press(o, 'Move to "Consultation booked"');
  await press(o, 'Move to "Consultation held"');
  assert.equal(await moveTo('In therapy').count(), 0, 'not offered without a decision');
  assert.ok(await mainShowsText(o, 'needs the decision taken at the close of the consultation'), 'and the page says why');
  await o.getByLabel('What I think is going on').fill(sensitive('A loss that has not been mourned yet.'));
  await o.getByLabel('Frequency').fill('weekly');
  await o.getByLabel('Continue in therapy').check();
  await press(o, 'Save');
  await press(o, 'Move to "In therapy"');
  await visit(o, `${server.url}/admin/board`);
  const inTherapy = o.locator('section', { has: o.locator('#stage-in_therapy') });
  assert.equal(await inTherapy.getByRole('link', { name: pat.name }).count(), 1, 'the board shows her in therapy');
  await axe.check(o, 'the board');

  // A PHQ-9 from the portal; the therapist schedules it every four weeks and shares the chart.
  await visit(p, `${server.url}/portal`);
  await Promise.all([
    p.waitForURL((u) => u.pathname.startsWith('/portal/questionnaires/'), { waitUntil: 'load' }),
    p.getByRole('link', { name: 'Patient Health Questionnaire-9 (PHQ-9)', exact: true }).click(),
  ]);
  for (let n = 1; n <= 9; n += 1) {
    await p.getByRole('group', { name: new RegExp(`^${n}\\. `) }).getByLabel(n <= 4 ? 'Several days' : 'Not at all').check();
  }
  await press(p, 'Send to Dr. Anna Lindqvist');
  await visit(o, `${server.url}${casePath}`);
  const phq = o.locator('form[action$="/measures/phq9"]');
  await phq.getByLabel('Every how many', { exact: true }).fill('4');
  await phq.getByLabel('Weeks', { exact: true }).check();
  await phq.getByLabel('Show the patient their chart').check();
  await Promise.all([o.waitForNavigation({ waitUntil: 'load' }), phq.getByRole('button', { name: 'Save the schedule' }).click()]);
  assert.match(await o.locator('#measures').innerText(), /Every 4 weeks/);
  assert.equal(await o.locator('#measures svg[role="img"]').count(), 1, 'the chart on the case page');
  await axe.check(o, 'the case page with its measures');
  await visit(p, `${server.url}/portal/measures`);
  assert.equal(await p.locator('main svg[role="img"]').count(), 1, 'the shared chart in the portal');
  await axe.check(p, 'the patient\'s scores');

  // The frame: sent, read and signed; then a new version to sign.
  await visit(o, `${server.url}${casePath}`);
  await press(o, 'Send the agreement');
  await visit(p, `${server.url}/portal`);
  await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.getByRole('link', { name: 'Read and sign it', exact: true }).click()]);
  await p.locator('[name="full_name"]').fill(pat.name);
  await p.locator('[name="agree"]').check();
  await press(p, 'Sign the agreement');
  assert.ok(await mainShowsText(p, 'Thank you. You signed the agreement'));
  await visit(o, `${server.url}/admin/agreement`);
  const body = o.locator('[name="body"]');
  await body.fill(`${await body.inputValue()}\n\nSessions may also take place by phone when the video fails.`);
  await press(o, 'Save as a new version');
  await visit(p, `${server.url}/portal`);
  assert.ok(await mainShowsText(p, 'A new version of our agreement is ready to sign.'));
  await axe.check(p, 'the portal asking for a new signature');

  assert.ok(workspace.endsWith('/workspace'));
  axe.assertClean(assert);
});
