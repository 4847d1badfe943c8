// The agreement ("the frame"): the therapist sends it with a person's own fee, the patient reads and signs it in
// the portal (typed name and an explicit tick), the therapist countersigns; the therapist changes the template,
// the patient is asked to sign the new version and does, while the signed one stays readable. Every new page is
// checked with axe-core, and no mail carries a word of the agreement.
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

const SUBJECT = {
  invitation: `${DEMO.practice}: your client portal`,
  toSign: `${DEMO.practice}: an agreement to read and sign`,
  newVersion: `${DEMO.practice}: a new version of your agreement to sign`,
  signed: `An agreement was signed at ${DEMO.practice}`,
};

/** Words only the agreement holds: no mail may carry any of them. */
const OWNER_NAME = 'Dr. Anna Lindqvist';
const FEE = sensitive('58 EUR per session (e2e reduced place)');
const DEFAULT_SENTENCE = 'The video runs directly between our two devices';
const NEW_SENTENCE = sensitive('From the new year, a session may also take place by phone (e2e version two).');

const cleanup = cleanupStack();
let server;
let sink;
let browser;

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'agreement (demo, SMTP)' }));
  browser = cleanup.keep(await launchBrowser());
});

async function page() {
  const p = await newPage(browser);
  cleanup.add(() => p.context().close());
  return p;
}

const to = (email) => (m) => m.envelopeTo.includes(email.toLowerCase());
const mailText = (m) => [m.subject, m.text, m.html, ...Object.values(m.headers)].join('\n');

function linkIn(mail, pathRegex) {
  const re = new RegExp(`https?://[^\\s"<>]+?${pathRegex}(?=[\\s"<>]|$)`, 'g');
  const links = [...new Set(`${mail.text}\n${mail.html}`.match(re) || [])];
  assert.equal(links.length, 1, `the mail "${mail.subject}" carries one link matching ${pathRegex}; text:\n${mail.text}`);
  return links[0];
}

/** The text of the agreement as the page shows it. */
async function agreementText(p) {
  return (await p.locator('main article.agreement-text').innerText()).replace(/\s+/g, ' ');
}

test('the therapist sends the agreement, the patient signs, the therapist countersigns, a new version is signed again', async () => {
  const report = new AxeReport();
  const check = async (p, label) => {
    if (await p.locator('main').count() !== 1) report.fail(label, 'no single <main>');
    await report.check(p, label);
  };
  const NAME = sensitive('Lena Vertrag');
  const EMAIL = uniqueEmail('lena');

  // The therapist (the demo's owner) opens the agreement page from the admin navigation.
  const o = await page();
  await signIn(o, server.url, { secret: server.totpSecret() });
  await Promise.all([o.waitForURL((u) => u.pathname === '/admin/agreement', { waitUntil: 'load' }),
    o.locator('nav a[href="/admin/agreement"]').click()]);
  assert.equal((await o.locator('h1').innerText()).trim(), 'Your agreement');
  assert.equal(await labelFor(o, 'body'), "The agreement's text", 'the text field is labelled');
  for (const name of ['fee', 'session_length', 'frequency', 'cancel_notice', 'contact_between_sessions', 'connection_drops',
    'confidentiality', 'emergencies', 'private_space']) {
    assert.ok(await labelFor(o, name), `field ${name} has a <label for>`);
  }
  assert.match(await o.locator('[name="cancel_notice"]').inputValue(), /^48 hours$/, 'the booking module\'s 48 hours');
  assert.match(await o.locator('[name="fee"]').inputValue(), /95 EUR per session/, 'the demo\'s session fee');
  await check(o, '/admin/agreement');

  // The patient is invited; the therapist sends the agreement from the case page with a fee of their own.
  await visit(o, `${server.url}/admin/patients`);
  await o.locator('[name="name"]').fill(NAME);
  await o.locator('[name="email"]').fill(EMAIL);
  await o.locator('[name="time_zone"]').fill('Europe/Berlin');
  assert.equal((await submitAndGetPostResponse(o, 'Send the invitation')).status(), 303);
  const casePath = new URL(o.url()).pathname;
  assert.match(casePath, /^\/admin\/cases\/[0-9a-f]{32}$/);
  const section = o.locator('main section#agreement');
  assert.match(await section.innerText(), /No agreement sent yet\./);
  assert.equal(await labelFor(o, 'agreement_fee'), 'Fee for this person (optional)');
  await check(o, '/admin/cases/<id> (no agreement yet)');

  await o.locator('[name="agreement_fee"]').fill('9'.repeat(201));
  await o.locator('[name="agreement_frequency"]').fill('every other week');
  const tooLong = await submitAndGetPostResponse(o, 'Send the agreement');
  assert.equal(tooLong.status(), 422, `a fee too long answers 422, got ${tooLong.status()}`);
  assert.ok(await o.locator('#agreement_fee-error').isVisible(), '#agreement_fee-error is visible');
  assert.ok(await errorIsNextToField(o, 'agreement_fee', 'agreement_fee-error'), 'the error sits next to the fee');
  assert.equal(await o.locator('[name="agreement_frequency"]').inputValue(), 'every other week', 'the input is kept');
  await check(o, '/admin/cases/<id> (agreement error)');

  await o.locator('[name="agreement_fee"]').fill(FEE);
  await o.locator('[name="agreement_frequency"]').fill('');
  const sent = await submitAndGetPostResponse(o, 'Send the agreement');
  assert.equal(sent.status(), 303);
  assert.match(await section.innerText(), /Version 1 sent; waiting for the signature\./);
  await check(o, '/admin/cases/<id> (agreement sent)');

  // The patient signs in with the invitation and is told by mail that there is an agreement to read.
  const invitation = await sink.waitFor((m) => m.subject === SUBJECT.invitation && to(EMAIL)(m), 30_000);
  const pat = await page();
  await visit(pat, linkIn(invitation, '/signin/[0-9a-f]{64}'));
  assert.equal((await submitAndGetPostResponse(pat, 'Sign in')).status(), 303);
  const toSign = await sink.waitFor((m) => m.subject === SUBJECT.toSign && to(EMAIL)(m), 30_000);
  const agreementUrl = linkIn(toSign, '/portal/agreements/[0-9a-f]{32}');
  const firstPath = new URL(agreementUrl).pathname;

  await visit(pat, `${server.url}/portal`);
  assert.ok(await mainShowsText(pat, 'An agreement is ready for you to read and sign.'), '/portal says so');
  const documents = pat.locator('main section[aria-labelledby="documents-heading"]');
  assert.equal(await documents.locator(`a[href="${firstPath}"]`).count(), 1, 'Documents lists the agreement');
  await check(pat, '/portal (an agreement to sign)');

  await Promise.all([pat.waitForURL((u) => u.pathname === firstPath, { waitUntil: 'load' }),
    pat.getByRole('link', { name: 'Read and sign it', exact: true }).click()]);
  const firstText = await agreementText(pat);
  assert.ok(firstText.includes(FEE), 'the agreement carries this person\'s fee');
  assert.ok(firstText.includes(DEFAULT_SENTENCE), 'the agreement says that nothing is recorded');
  assert.ok(firstText.includes(`between ${NAME} and ${OWNER_NAME}`), `the agreement names both: ${firstText.slice(0, 300)}`);
  const firstHash = await pat.locator('[name="sha256"]').inputValue();
  assert.match(firstHash, /^[0-9a-f]{64}$/);
  assert.ok(await mainShowsText(pat, firstHash), 'the hash is shown');
  assert.match(await labelFor(pat, 'full_name'), /^Your full name/);
  assert.equal(await labelFor(pat, 'agree'), 'I have read this agreement and I agree to it.');
  await check(pat, '/portal/agreements/<id>');

  // Nothing typed and nothing ticked: both refused next to their fields.
  const empty = await submitAndGetPostResponse(pat, 'Sign the agreement');
  assert.equal(empty.status(), 422, `an empty signature answers 422, got ${empty.status()}`);
  assert.ok(await errorIsNextToField(pat, 'full_name', 'full_name-error'), 'the name error sits next to the name');
  assert.ok(await errorIsNextToField(pat, 'agree', 'agree-error'), 'the tick error sits next to the box');
  await check(pat, '/portal/agreements/<id> (errors)');
  // Ticked, but a name that is not theirs: the tick is kept.
  await pat.locator('[name="full_name"]').fill('Somebody Else');
  await pat.locator('[name="agree"]').check();
  assert.equal((await submitAndGetPostResponse(pat, 'Sign the agreement')).status(), 422);
  assert.ok(await pat.locator('#full_name-error').isVisible());
  assert.equal(await pat.locator('[name="full_name"]').inputValue(), 'Somebody Else', 'the typed name is kept');
  assert.ok(await pat.locator('[name="agree"]').isChecked(), 'the tick is kept');

  await pat.locator('[name="full_name"]').fill(NAME);
  const signed = await submitAndGetPostResponse(pat, 'Sign the agreement');
  assert.equal(signed.status(), 303);
  assert.ok(await mainShowsText(pat, 'Thank you. You signed the agreement'), 'a confirmation');
  assert.ok(await mainShowsText(pat, `as “${NAME}”`), 'the confirmation repeats the typed name');
  assert.equal(await pat.locator('[name="full_name"]').count(), 0, 'no second signature');
  await check(pat, '/portal/agreements/<id> (signed)');

  await Promise.all([pat.waitForURL((u) => u.pathname === `${firstPath}/print`, { waitUntil: 'load' }),
    pat.locator('main a', { hasText: 'Print this agreement' }).first().click()]);
  assert.ok(await mainShowsText(pat, firstHash), 'the printable copy shows the hash');
  assert.ok(await mainShowsText(pat, FEE), 'the printable copy shows the text');
  await pat.emulateMedia({ media: 'print' });
  assert.equal(await pat.locator('.no-print').isVisible(), false, 'the back link is not printed');
  await pat.emulateMedia({ media: 'screen' });
  await check(pat, '/portal/agreements/<id>/print');

  // The therapist is told, and countersigns.
  const note = await sink.waitFor((m) => m.subject === SUBJECT.signed && to(DEMO.ownerEmail)(m), 30_000);
  assert.equal(linkIn(note, '/admin/cases/[0-9a-f]{32}'), `${server.url}${casePath}`);
  await visit(o, `${server.url}${casePath}`);
  assert.match(await section.innerText(), /Version 1 signed; waiting for your countersignature\./);
  const countersigned = await submitAndGetPostResponse(o, 'Countersign version 1');
  assert.equal(countersigned.status(), 303);
  assert.match(await section.innerText(), /Version 1 signed and countersigned\./);
  await check(o, '/admin/cases/<id> (countersigned)');
  const adminPrint = `/admin/agreements/${firstPath.split('/').pop()}/print`;
  await Promise.all([o.waitForURL((u) => u.pathname === adminPrint, { waitUntil: 'load' }),
    o.getByRole('link', { name: 'Read or print version 1', exact: true }).click()]);
  assert.ok(await mainShowsText(o, firstHash), 'the therapist\'s copy shows the same hash');
  assert.ok(await mainShowsText(o, NAME), 'and the typed name');
  await check(o, '/admin/agreements/<id>/print');

  // The therapist changes the template: a placeholder typo is refused, the preview shows the change, saving asks
  // the patient to sign version 2.
  await visit(o, `${server.url}/admin/agreement`);
  const body = o.locator('[name="body"]');
  const original = await body.inputValue();
  await body.fill(`${original}\n\nA deposit of {deposit} is due.`);
  const typo = await submitAndGetPostResponse(o, 'Save as a new version');
  assert.equal(typo.status(), 422);
  assert.match(await o.locator('#body-error').innerText(), /\{deposit\}/, 'the error names the unknown placeholder');
  assert.ok(await errorIsNextToField(o, 'body', 'body-error'), 'the error sits next to the text');
  assert.ok((await body.inputValue()).includes('A deposit of {deposit} is due.'), 'the text is kept');
  await check(o, '/admin/agreement (error)');
  await body.fill(`${original}\n\n${NEW_SENTENCE}`);
  assert.equal((await submitAndGetPostResponse(o, 'Preview')).status(), 200);
  assert.ok(await mainShowsText(o, NEW_SENTENCE), 'the preview shows the new sentence');
  await check(o, '/admin/agreement (preview)');
  const saved = await submitAndGetPostResponse(o, 'Save as a new version');
  assert.equal(saved.status(), 303);
  assert.ok(await mainShowsText(o, 'Saved as version 2. One patient was asked to sign it.'), 'the save names what happened');
  assert.equal(await o.locator('main details summary', { hasText: 'Version 2' }).count(), 1, 'the history lists version 2');
  await check(o, '/admin/agreement (saved)');
  await visit(o, `${server.url}${casePath}`);
  assert.match(await section.innerText(), /Asked to sign version 2\./);

  // The patient is asked to sign the new version and does; the first stays readable with its own text and hash.
  const renewal = await sink.waitFor((m) => m.subject === SUBJECT.newVersion && to(EMAIL)(m), 30_000);
  const secondPath = new URL(linkIn(renewal, '/portal/agreements/[0-9a-f]{32}')).pathname;
  assert.notEqual(secondPath, firstPath);
  await visit(pat, `${server.url}/portal`);
  assert.ok(await mainShowsText(pat, 'A new version of our agreement is ready to sign.'), '/portal asks to sign again');
  await check(pat, '/portal (a new version to sign)');
  await visit(pat, `${server.url}${secondPath}`);
  const secondText = await agreementText(pat);
  assert.ok(secondText.includes(NEW_SENTENCE) && secondText.includes(FEE), 'version 2: the new sentence, the same fee');
  const secondHash = await pat.locator('[name="sha256"]').inputValue();
  assert.notEqual(secondHash, firstHash);
  await pat.locator('[name="full_name"]').fill(NAME.toUpperCase());
  await pat.locator('[name="agree"]').check();
  assert.equal((await submitAndGetPostResponse(pat, 'Sign the agreement')).status(), 303);
  assert.ok(await mainShowsText(pat, 'Thank you. You signed the agreement'));
  await visit(pat, `${server.url}/portal`);
  assert.ok(!(await mainShowsText(pat, 'ready to sign')), 'nothing left to sign');
  await visit(pat, `${server.url}${firstPath}`);
  assert.equal(await agreementText(pat), firstText, 'the signed first version keeps its text');
  assert.ok(await mainShowsText(pat, firstHash) && !(await mainShowsText(pat, NEW_SENTENCE)), 'and its hash');

  await visit(o, `${server.url}${casePath}`);
  assert.match(await section.innerText(), /Version 2 signed; waiting for your countersignature\./);

  report.assertClean(assert);
  assert.equal(report.checked.length, 15, `axe checked every page: ${report.checked.join(', ')}`);
});

test('no mail carries any part of the agreement', async () => {
  await sleep(1000);
  assert.ok(sink.mails.length >= 4, `mail was sent:\n${sink.describe()}`);
  const leaks = [];
  for (const m of sink.mails) {
    const all = mailText(m);
    for (const w of [FEE, DEFAULT_SENTENCE, NEW_SENTENCE, 'Confidentiality']) {
      if (all.includes(w)) leaks.push(`"${m.subject}" contains ${JSON.stringify(w)}`);
    }
  }
  assert.deepEqual(leaks, [], 'no mail carries agreement text');
});
