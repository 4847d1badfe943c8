// The patient portal: a therapist invites a patient, they write to each other with attachments, the patient
// signs in by email link, downloads their data and signs out everywhere; a colleague joins the practice and
// sees only their own patients. Every mail the sink receives is checked for the absence of every message text.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer, sleep } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import {
  test, cleanupStack, errorIsNextToField, labelFor, mainShowsText, uniqueEmail, DEMO, signIn,
  submitAndGetPostResponse, shoot, noSidewaysScroll,
} from '../lib/harness.js';
import { freshCode } from '../lib/totp.js';
import { sensitive } from '../lib/privacy.js';

const SUBJECT = {
  invitation: `${DEMO.practice}: your client portal`,
  signInLink: `Your sign-in link for ${DEMO.practice}`,
  newMessage: `You have a new message at ${DEMO.practice}`,
  join: `Join ${DEMO.practice}`,
};

// A minimal PDF and PNG, recognised by their first bytes.
const PDF = Buffer.from('%PDF-1.4 test file');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('e2e reply image')]);
const HTML = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');

/** Every message text and attachment name written in this file: no mail may carry any of them. */
const WRITTEN = new Set();
function written(text) { WRITTEN.add(text); return sensitive(text); }

const cleanup = cleanupStack();
let server;
let sink;
let browser;
let ownerPageCache = null;

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'portal (demo, SMTP)' }));
  browser = cleanup.keep(await launchBrowser());
});

async function page(opts) {
  const p = await newPage(browser, opts);
  cleanup.add(() => p.context().close());
  return p;
}

/** The demo owner, signed in once per file (each sign-in needs a fresh TOTP step). */
async function owner() {
  if (ownerPageCache && !ownerPageCache.isClosed()) {
    const res = await ownerPageCache.goto(`${server.url}/admin`);
    if (res.status() === 200 && new URL(ownerPageCache.url()).pathname === '/admin') return ownerPageCache;
  }
  ownerPageCache = await page();
  await signIn(ownerPageCache, server.url, { secret: server.totpSecret() });
  return ownerPageCache;
}

const to = (email) => (m) => m.envelopeTo.includes(email.toLowerCase());
const since = (mark) => (m) => sink.mails.indexOf(m) >= mark;
const mailText = (m) => [m.subject, m.text, m.html, ...Object.values(m.headers)].join('\n');

/** The one link in a mail matching `pathRegex` (a string of the path part), as a full URL. */
function linkIn(mail, pathRegex) {
  const re = new RegExp(`https?://[^\\s"<>]+?${pathRegex}(?=[\\s"<>]|$)`, 'g');
  const links = [...new Set(`${mail.text}\n${mail.html}`.match(re) || [])];
  assert.equal(links.length, 1, `the mail "${mail.subject}" carries one link matching ${pathRegex}; text:\n${mail.text}`);
  assert.ok(links[0].startsWith(`${server.url}/`), `the link uses the public URL ${server.url}: ${links[0]}`);
  return links[0];
}

/** Owner invites a patient; returns { name, email, casePath, link } once the invitation mail has arrived. */
async function invitePatient(name) {
  const email = uniqueEmail(name.split(' ')[0].toLowerCase());
  const o = await owner();
  await visit(o, `${server.url}/admin/patients`);
  await o.locator('[name="name"]').fill(name);
  await o.locator('[name="email"]').fill(email);
  await o.locator('[name="time_zone"]').fill('Europe/Berlin');
  const res = await submitAndGetPostResponse(o, 'Send the invitation');
  assert.equal(res.status(), 303, `inviting a patient answers 303, got ${res.status()}`);
  const casePath = new URL(o.url()).pathname;
  assert.match(casePath, /^\/admin\/cases\/[0-9a-f]{32}$/, `the invitation leads to the case page, got ${o.url()}`);
  const mail = await sink.waitFor((m) => m.subject === SUBJECT.invitation && to(email)(m), 30_000);
  const link = linkIn(mail, '/signin/[0-9a-f]{64}');
  return { name, email, casePath, caseId: casePath.split('/').pop(), link };
}

/** Open a sign-in link in `p`, confirm it, land on /portal. */
async function useLink(p, link, name) {
  await visit(p, link);
  assert.equal((await p.locator('h1').innerText()).trim(), `Sign in as ${name}`, 'the landing page names the patient');
  const res = await submitAndGetPostResponse(p, 'Sign in');
  assert.equal(res.status(), 303, `confirming the link answers 303, got ${res.status()}`);
  assert.equal(new URL(p.url()).pathname, '/portal', 'the patient lands on /portal');
}

/** A signed-in patient in a fresh context. */
async function newPatient(name) {
  const patient = await invitePatient(name);
  const p = await page();
  await useLink(p, patient.link, name);
  return { ...patient, page: p };
}

/** Write a message (and maybe attach a file) in the thread shown on `p`; returns the POST's response. */
async function writeMessage(p, text, file = null) {
  await p.getByLabel('Your message', { exact: true }).fill(sensitive(text));
  if (file) await p.locator('input[type="file"][name="attachment"]').setInputFiles(file);
  return submitAndGetPostResponse(p, 'Send');
}

/** href of the thread's attachment link named `fileName` (exactly one such link). */
async function attachmentHref(p, fileName) {
  const link = p.locator('main .thread a', { hasText: fileName });
  assert.equal(await link.count(), 1, `the thread shows one link named ${fileName}`);
  return link.getAttribute('href');
}

function assertNoMailLeaks() {
  assert.ok(sink.mails.length > 0, 'the sink received mail');
  const leaks = [];
  for (const m of sink.mails) {
    const all = mailText(m);
    for (const w of WRITTEN) if (all.includes(w)) leaks.push(`"${m.subject}" to ${m.to.join(',')} contains ${JSON.stringify(w)}`);
  }
  assert.deepEqual(leaks, [], `no mail carries a message text or attachment name; received:\n${sink.describe()}`);
}

// ---------------------------------------------------------------------------------------------------------

test('the whole journey: invitation, portal, messages with attachments both ways, notifications without text', async () => {
  const TEXT = written('Since Tuesday I have been sleeping badly, e2e portal message one');
  const REPLY = written('Thank you, let us talk about the sleep on Friday, e2e reply one');
  const PDF_NAME = written('sleep-diary-e2e.pdf');
  const PNG_NAME = written('worksheet-e2e.png');
  const BAD_NAME = written('notes-e2e.html');
  const NAME = sensitive('Jonas Beispiel');
  const EMAIL = uniqueEmail('jonas');

  // The owner invites a patient.
  const o = await owner();
  await visit(o, `${server.url}/admin/patients`);
  assert.equal(await labelFor(o, 'name'), "The patient's name", 'the name field is labelled');
  for (const name of ['email', 'time_zone']) assert.ok(await labelFor(o, name), `field ${name} has a <label for>`);
  await o.locator('[name="name"]').fill(NAME);
  await o.locator('[name="email"]').fill(EMAIL);
  await o.locator('[name="time_zone"]').fill('Europe/Berlin');
  const invited = await submitAndGetPostResponse(o, 'Send the invitation');
  assert.equal(invited.status(), 303, `the invitation answers 303, got ${invited.status()}`);
  const casePath = new URL(o.url()).pathname;
  assert.match(casePath, /^\/admin\/cases\/[0-9a-f]{32}$/, `redirected to the case, got ${o.url()}`);
  const caseId = casePath.split('/').pop();

  await visit(o, `${server.url}/admin/patients`);
  const row = o.locator('main table a', { hasText: NAME });
  assert.equal(await row.count(), 1, `/admin/patients lists ${NAME}`);
  assert.equal(await row.getAttribute('href'), casePath, 'the patient links to the case');

  // The invitation mail.
  const invitation = await sink.waitFor((m) => m.subject === SUBJECT.invitation && to(EMAIL)(m), 30_000);
  const link = linkIn(invitation, '/signin/[0-9a-f]{64}');

  // The patient, in a browser of their own, opens it.
  const pat = await page();
  await visit(pat, link);
  assert.equal((await pat.locator('h1').innerText()).trim(), `Sign in as ${NAME}`);
  const landed = await submitAndGetPostResponse(pat, 'Sign in');
  assert.equal(landed.status(), 303);
  assert.equal(new URL(pat.url()).pathname, '/portal', 'the patient lands on /portal');

  for (const h of ['Appointments', 'Messages', 'Documents', 'Your data']) {
    assert.equal(await pat.getByRole('heading', { name: h, exact: true, level: 2 }).count(), 1, `/portal has the heading "${h}"`);
  }
  const download = pat.getByRole('link', { name: 'Download my data', exact: true });
  assert.equal(await download.getAttribute('href'), '/portal/export', '"Download my data" links to /portal/export');
  const nav = pat.locator('nav.portal-nav');
  for (const [name, href] of [['Overview', '/portal'], ['Messages', '/portal/messages'], ['Your details', '/portal/profile'],
    ['Where you are signed in', '/portal/sessions']]) {
    assert.equal(await nav.getByRole('link', { name, exact: true }).getAttribute('href'), href, `the portal nav links "${name}" to ${href}`);
  }
  assert.equal(await pat.getByRole('button', { name: 'Sign out', exact: true }).count(), 1, 'the portal offers "Sign out"');

  // The invitation link worked once.
  const again = await (await page()).goto(link);
  assert.equal(again.status(), 404, 'the used invitation link answers 404');

  // Messages: the note with the policy and the crisis contacts, the form.
  await visit(pat, `${server.url}/portal/messages`);
  const note = pat.locator('main [role="note"]');
  assert.equal(await note.count(), 1, 'the thread has one note');
  assert.match(await note.innerText(), /Not for emergencies\.\s*\S+/, 'the note gives the crisis contacts');
  const body = pat.getByLabel('Your message', { exact: true });
  assert.equal(await body.evaluate((e) => `${e.tagName}:${e.name}`), 'TEXTAREA:body', '"Your message" labels textarea[name=body]');
  assert.match(await labelFor(pat, 'attachment'), /^Attach a file/, 'the file input is labelled "Attach a file…"');

  // A disallowed file: refused next to the field, the text kept, nothing sent.
  const mark = sink.mails.length;
  const bad = await writeMessage(pat, TEXT, { name: BAD_NAME, mimeType: 'text/html', buffer: HTML });
  assert.equal(bad.status(), 422, `an HTML attachment answers 422, got ${bad.status()}`);
  const err = pat.locator('#attachment-error');
  assert.ok(await err.isVisible(), '#attachment-error is visible');
  assert.match(await err.innerText(), /PDF, JPEG or PNG/, '#attachment-error names the allowed types');
  assert.ok(await errorIsNextToField(pat, 'attachment', 'attachment-error'), 'the error sits next to the file input');
  assert.equal(await pat.locator('[name="attachment"]').getAttribute('aria-invalid'), 'true', 'the file input has aria-invalid');
  assert.equal(await pat.locator('[name="body"]').inputValue(), TEXT, 'the typed text is kept');
  assert.ok(!(await mainShowsText(pat, TEXT)), 'the refused message is not in the thread');

  // The same, disguised as a PDF: the server looks at the bytes, not the name.
  const disguised = await writeMessage(pat, TEXT, { name: 'disguised-e2e.pdf', mimeType: 'application/pdf', buffer: HTML });
  assert.equal(disguised.status(), 422, `HTML named .pdf answers 422, got ${disguised.status()}`);
  assert.ok(await pat.locator('#attachment-error').isVisible(), '#attachment-error is visible for the disguised file');

  // Now with a real PDF.
  const good = await writeMessage(pat, TEXT, { name: PDF_NAME, mimeType: 'application/pdf', buffer: PDF });
  assert.equal(good.status(), 303, `the message answers 303, got ${good.status()}`);
  assert.equal(new URL(pat.url()).pathname, '/portal/messages', 'back on the thread');
  assert.ok(await mainShowsText(pat, TEXT), 'the message is in the thread');
  assert.equal(await pat.locator('[name="body"]').inputValue(), '', 'the textarea is empty again');
  const patientPdfHref = await attachmentHref(pat, PDF_NAME);
  assert.match(patientPdfHref, /^\/portal\/attachments\/[0-9a-f]{32}$/, `the attachment link ${patientPdfHref}`);
  const own = await pat.request.get(`${server.url}${patientPdfHref}`);
  assert.equal(own.status(), 200);
  assert.ok((await own.body()).equals(PDF), 'the patient downloads their own file unchanged');

  // The therapist is told, without the text; exactly once (the refused tries sent nothing).
  const note1 = await sink.waitFor((m) => since(mark)(m) && m.subject === SUBJECT.newMessage && to(DEMO.ownerEmail)(m), 30_000);
  assert.equal(linkIn(note1, '/admin/cases/[0-9a-f]{32}'), `${server.url}${casePath}`, 'the notification links to the case');
  assert.ok(!mailText(note1).includes(TEXT), 'the therapist\'s notification does not contain the message');
  await sleep(2000);
  const toOwner = sink.find((m) => since(mark)(m) && m.subject === SUBJECT.newMessage && to(DEMO.ownerEmail)(m));
  assert.equal(toOwner.length, 1, `exactly one notification to the therapist; received:\n${sink.describe()}`);

  // The therapist sees "1 unread", opens the case, reads, downloads, replies with an image.
  await visit(o, `${server.url}/admin/patients`);
  const badge = o.locator(`main tr:has(a[href="${casePath}"]) .badge`);
  assert.equal(await badge.count(), 1, 'the patient\'s row has a badge');
  assert.equal((await badge.innerText()).trim(), '1 unread');
  await Promise.all([o.waitForURL((u) => u.pathname === casePath, { waitUntil: 'load' }),
    o.locator(`main a[href="${casePath}"]`).click()]);
  assert.ok(await mainShowsText(o, TEXT), 'the case shows the patient\'s message');
  const adminPdfHref = await attachmentHref(o, PDF_NAME);
  assert.match(adminPdfHref, /^\/admin\/attachments\/[0-9a-f]{32}$/, `the therapist's attachment link ${adminPdfHref}`);
  const file = await o.request.get(`${server.url}${adminPdfHref}`);
  assert.equal(file.status(), 200, 'the therapist downloads the attachment');
  assert.ok((await file.body()).equals(PDF), 'the downloaded file equals the one sent');
  assert.equal(file.headers()['content-type'], 'application/pdf');
  assert.match(file.headers()['content-disposition'] || '', /^attachment/, 'the file is served as a download');
  assert.equal(await o.locator('form[enctype="multipart/form-data"]').getAttribute('action'), casePath,
    'the case\'s form posts to the case page itself');

  const mark2 = sink.mails.length;
  const replied = await writeMessage(o, REPLY, { name: PNG_NAME, mimeType: 'image/png', buffer: PNG });
  assert.equal(replied.status(), 303, `the reply answers 303, got ${replied.status()}`);
  assert.equal(new URL(o.url()).pathname, casePath, 'back on the case');
  assert.ok(await mainShowsText(o, REPLY), 'the reply is in the thread');
  await attachmentHref(o, PNG_NAME);

  await visit(o, `${server.url}/admin/patients`);
  assert.equal(await o.locator(`main tr:has(a[href="${casePath}"]) .badge`).count(), 0, 'after reading, no unread badge');

  // The patient is told, without the text, and reads the reply.
  const note2 = await sink.waitFor((m) => since(mark2)(m) && m.subject === SUBJECT.newMessage && to(EMAIL)(m), 30_000);
  assert.equal(linkIn(note2, '/portal/messages'), `${server.url}/portal/messages`, 'the notification links to the portal');
  assert.ok(!mailText(note2).includes(REPLY), 'the patient\'s notification does not contain the reply');

  await visit(pat, `${server.url}/portal`);
  const therapistLink = pat.locator(`main a[href="/portal/messages?case=${caseId}"]`);
  assert.equal(await therapistLink.count(), 1, '/portal links to the conversation');
  assert.match(await pat.locator(`main li:has(a[href="/portal/messages?case=${caseId}"])`).innerText(), /1 new/,
    '/portal shows the reply as new');
  await Promise.all([pat.waitForURL((u) => u.pathname === '/portal/messages', { waitUntil: 'load' }), therapistLink.click()]);
  assert.ok(await mainShowsText(pat, REPLY), 'the patient sees the reply');
  assert.ok(await mainShowsText(pat, TEXT), 'and their own message');
  const replyHref = await attachmentHref(pat, PNG_NAME);
  assert.match(replyHref, /^\/portal\/attachments\/[0-9a-f]{32}$/);
  const png = await pat.request.get(`${server.url}${replyHref}`);
  assert.equal(png.status(), 200);
  assert.ok((await png.body()).equals(PNG), 'the patient downloads the therapist\'s image unchanged');

  // An anonymous visitor does not get the file.
  const anon = await page();
  const anonFile = await anon.request.get(`${server.url}${replyHref}`, { maxRedirects: 0 });
  assert.ok([302, 303, 401, 403, 404].includes(anonFile.status()), `an anonymous visitor gets no attachment (status ${anonFile.status()})`);
  assert.ok(!(await anonFile.body()).equals(PNG), 'the anonymous answer is not the file');

  // The audit log and the outbox record that messages were written and sent, never what they said.
  for (const path of ['/admin/audit', '/admin/outbox']) {
    await visit(o, `${server.url}${path}`);
    for (const w of [TEXT, REPLY]) assert.ok(!(await mainShowsText(o, w)), `${path} does not show the message text`);
  }

  assertNoMailLeaks();
});

test('a file over 10 MB is refused next to the field, and the typed text is kept', async () => {
  const TEXT = written('An e2e message whose file is too large');
  const pat = await newPatient('Greta Gross');
  const problems = [];
  // Just over the limit, and a file larger than the upload limit of the request as a whole.
  for (const size of [10 * 1024 * 1024 + 1, 12 * 1024 * 1024]) {
    await visit(pat.page, `${server.url}/portal/messages`);
    const big = Buffer.concat([Buffer.from('%PDF-1.4 '), Buffer.alloc(size - 9, 0x20)]);
    const res = await writeMessage(pat.page, TEXT, { name: 'scan-e2e.pdf', mimeType: 'application/pdf', buffer: big });
    const label = `${size} bytes`;
    if (res.status() !== 422) problems.push(`${label}: status ${res.status()}, expected 422`);
    const err = pat.page.locator('#attachment-error');
    if (await err.count() !== 1) {
      problems.push(`${label}: no #attachment-error; the page says: ${JSON.stringify((await pat.page.locator('main').innerText()).slice(0, 160))}`);
      continue;
    }
    if (!/10 MB/.test(await err.innerText())) problems.push(`${label}: #attachment-error does not name the limit: ${await err.innerText()}`);
    if (!(await errorIsNextToField(pat.page, 'attachment', 'attachment-error'))) problems.push(`${label}: the error is not next to the file input`);
    const kept = await pat.page.locator('[name="body"]').inputValue().catch(() => null);
    if (kept !== TEXT) problems.push(`${label}: the typed text is not kept (textarea: ${JSON.stringify(kept)})`);
    if (await mainShowsText(pat.page, TEXT)) problems.push(`${label}: the message was sent anyway`);
  }
  assert.deepEqual(problems, [], `too-large files are not handled as the form promises:\n${problems.join('\n')}`);
});

test('a sign-in link on request: the same answer for unknown addresses, and the link works once', async () => {
  const patient = await invitePatient('Clara Muster');
  const unknown = uniqueEmail('nobody');
  const anon = await page();

  await visit(anon, `${server.url}/signin`);
  assert.ok(await labelFor(anon, 'email'), 'the email field is labelled');
  await anon.locator('[name="email"]').fill(unknown);
  const r1 = await submitAndGetPostResponse(anon, 'Email me a sign-in link');
  assert.equal(r1.status(), 200, `asking for an unknown address answers 200, got ${r1.status()}`);
  const unknownHeading = (await anon.locator('h1').innerText()).trim();
  const unknownText = (await anon.locator('main').innerText()).trim();
  assert.equal(unknownHeading, 'Check your email');

  const mark = sink.mails.length;
  await visit(anon, `${server.url}/signin`);
  await anon.locator('[name="email"]').fill(patient.email);
  const r2 = await submitAndGetPostResponse(anon, 'Email me a sign-in link');
  assert.equal(r2.status(), 200);
  assert.equal((await anon.locator('h1').innerText()).trim(), unknownHeading, 'the same heading for a known address');
  assert.equal((await anon.locator('main').innerText()).trim(), unknownText, 'the same page for a known address');

  const mail = await sink.waitFor((m) => since(mark)(m) && m.subject === SUBJECT.signInLink && to(patient.email)(m), 30_000);
  const link = linkIn(mail, '/signin/[0-9a-f]{64}');
  await sleep(2000);
  assert.equal(sink.find(to(unknown)).length, 0, `no mail goes to the unknown address; received:\n${sink.describe()}`);

  // Two tabs show the landing page; the first to confirm signs in, the second gets 404.
  const first = await page();
  const second = await page();
  await visit(second, link);
  await useLink(first, link, patient.name);
  const late = await submitAndGetPostResponse(second, 'Sign in');
  assert.equal(late.status(), 404, `a used link answers 404 to the second POST, got ${late.status()}`);
  assert.notEqual(new URL(second.url()).pathname, '/portal');
  const reopen = await second.goto(link);
  assert.equal(reopen.status(), 404, 'a used link answers 404 to GET');
  const portal = await second.goto(`${server.url}/portal`);
  assert.equal(new URL(second.url()).pathname, '/signin', `the second tab is not signed in (status ${portal.status()})`);

  // The invitation link, never used, still works after a newer link was requested.
  await useLink(await page(), patient.link, patient.name);
});

test('"Download my data" gives the profile, the messages and the attachments\' names as JSON', async () => {
  const TEXT = written('The e2e export must hold these exact words, message two');
  const FILE = written('referral-letter-e2e.pdf');
  const pat = await newPatient('Mira Export');

  // The profile: change the time zone and the language.
  await visit(pat.page, `${server.url}/portal/profile`);
  for (const name of ['name', 'email', 'time_zone', 'language']) {
    assert.ok(await labelFor(pat.page, name), `profile field ${name} has a <label for>`);
  }
  assert.equal(await pat.page.locator('select[name="language"]').count(), 1, 'language is a select');
  assert.equal(await pat.page.locator('[name="name"]').inputValue(), pat.name);
  assert.equal(await pat.page.locator('[name="email"]').inputValue(), pat.email);
  assert.equal(await pat.page.locator('[name="time_zone"]').inputValue(), 'Europe/Berlin');
  const languages = await pat.page.locator('select[name="language"] option').evaluateAll((os) => os.map((o) => o.value));
  const current = await pat.page.locator('select[name="language"]').inputValue();
  const other = languages.find((l) => l !== current) ?? current;
  await pat.page.locator('[name="time_zone"]').fill('Europe/Vienna');
  await pat.page.locator('select[name="language"]').selectOption(other);
  const saved = await submitAndGetPostResponse(pat.page, 'Save');
  assert.equal(saved.status(), 303, `saving the profile answers 303, got ${saved.status()}`);
  assert.equal(await pat.page.locator('[name="time_zone"]').inputValue(), 'Europe/Vienna', 'the time zone is saved');
  assert.equal(await pat.page.locator('select[name="language"]').inputValue(), other, 'the language is saved');

  await visit(pat.page, `${server.url}/portal/messages`);
  const sent = await writeMessage(pat.page, TEXT, { name: FILE, mimeType: 'application/pdf', buffer: PDF });
  assert.equal(sent.status(), 303);

  // The link on /portal downloads the file.
  await visit(pat.page, `${server.url}/portal`);
  const [dl] = await Promise.all([
    pat.page.waitForEvent('download', { timeout: 30_000 }),
    pat.page.getByRole('link', { name: 'Download my data', exact: true }).click(),
  ]);
  const downloaded = JSON.parse(await readFile(await dl.path(), 'utf8'));
  assert.equal(dl.suggestedFilename().endsWith('.json'), true, `the download is a .json file: ${dl.suggestedFilename()}`);

  const res = await pat.page.request.get(`${server.url}/portal/export`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'] || '', /^application\/json/, 'the export is JSON');
  assert.match(res.headers()['content-disposition'] || '', /^attachment/, 'the export is an attachment');
  const data = await res.json();

  for (const [label, d] of [['downloaded', downloaded], ['fetched', data]]) {
    assert.equal(d.profile?.name, pat.name, `${label}: the profile's name`);
    assert.equal(d.profile?.email, pat.email, `${label}: the profile's email`);
    assert.equal(d.profile?.time_zone, 'Europe/Vienna', `${label}: the profile's time zone`);
    assert.equal(d.profile?.language, other, `${label}: the profile's language`);
    const json = JSON.stringify(d);
    assert.ok(json.includes(TEXT), `${label}: the export holds the message text`);
    assert.ok(json.includes(FILE), `${label}: the export holds the attachment's file name`);
    assert.ok(!json.includes(PDF.toString('base64')) && !json.includes(PDF.toString()), `${label}: names, not file contents`);
  }
  const messages = data.cases.flatMap((c) => c.messages);
  const mine = messages.find((m) => m.text === TEXT);
  assert.ok(mine, 'the message is in cases[].messages[] with its text');
  assert.deepEqual(mine.attachments.map((a) => a.file_name), [FILE], 'with its attachment\'s name');

  // Another patient reaches neither the conversation nor the file.
  await visit(pat.page, `${server.url}/portal/messages`);
  const fileHref = await attachmentHref(pat.page, FILE);
  const stranger = await newPatient('Sven Fremd');
  const foreignFile = await stranger.page.request.get(`${server.url}${fileHref}`, { maxRedirects: 0 });
  assert.equal(foreignFile.status(), 404, `another patient's attachment answers 404, got ${foreignFile.status()}`);
  const foreignCase = await stranger.page.goto(`${server.url}/portal/messages?case=${pat.caseId}`);
  assert.equal(foreignCase.status(), 404, `another patient's conversation answers 404, got ${foreignCase.status()}`);
  const strangerExport = await (await stranger.page.request.get(`${server.url}/portal/export`)).text();
  assert.ok(!strangerExport.includes(TEXT) && !strangerExport.includes(FILE), 'another patient\'s export holds nothing of it');

  // Nobody else gets it.
  const anon = await page();
  const anonRes = await anon.request.get(`${server.url}/portal/export`, { maxRedirects: 0 });
  assert.notEqual(anonRes.status(), 200, `an anonymous visitor gets no export (status ${anonRes.status()})`);
  const o = await owner();
  const ownerRes = await o.request.get(`${server.url}/portal/export`, { maxRedirects: 0 });
  assert.notEqual(ownerRes.status(), 200, `a therapist gets no patient export (status ${ownerRes.status()})`);
});

test('the record: FHIR and PDF from the profile page and the case page, looked at 1280 and 390 px wide', async () => {
  const pat = await newPatient('Layla مريم Record');
  await visit(pat.page, `${server.url}/portal/profile`);
  const fhir = pat.page.getByRole('link', { name: 'FHIR (for another clinic\'s system)', exact: true });
  assert.equal(await fhir.getAttribute('href'), '/portal/record/fhir', 'the FHIR link is on the profile page');
  const pdf = pat.page.getByRole('link', { name: 'PDF (to read)', exact: true });
  assert.equal(await pdf.getAttribute('href'), '/portal/record/pdf', 'the PDF link is beside it');
  const [dl] = await Promise.all([pat.page.waitForEvent('download', { timeout: 30_000 }), fhir.click()]);
  assert.match(dl.suggestedFilename(), /^my-record-\d{4}-\d\d-\d\d\.fhir\.json$/, `no name in the file name: ${dl.suggestedFilename()}`);
  const bundle = JSON.parse(await readFile(await dl.path(), 'utf8'));
  assert.equal(bundle.resourceType, 'Bundle');
  assert.equal(bundle.type, 'collection');
  const patient = bundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'Patient');
  assert.equal(patient.name[0].text, pat.name, 'the right-to-left name is kept exactly');
  const file = await pat.page.request.get(`${server.url}/portal/record/pdf`);
  assert.equal(file.status(), 200);
  assert.match(file.headers()['content-type'] || '', /^application\/pdf/);
  assert.match(file.headers()['content-disposition'] || '', /^attachment/, 'the PDF is a download');
  assert.ok((await file.body()).subarray(0, 5).equals(Buffer.from('%PDF-')), 'a PDF');

  const o = await owner();
  for (const width of [1280, 390]) {
    await pat.page.setViewportSize({ width, height: 900 });
    await visit(pat.page, `${server.url}/portal/profile`);
    await noSidewaysScroll(pat.page, `the profile page at ${width} px`);
    await shoot(pat.page, `record-portal-profile-${width}`);
    await o.setViewportSize({ width, height: 900 });
    await visit(o, `${server.url}${pat.casePath}`);
    await noSidewaysScroll(o, `the case page at ${width} px`);
    await o.locator('#record').scrollIntoViewIfNeeded();
    await shoot(o, `record-case-${width}`);
  }
  await o.setViewportSize({ width: 1280, height: 900 });
  const link = o.getByRole('link', { name: 'PDF (to read)', exact: true });
  assert.equal(await link.getAttribute('href'), `${pat.casePath}/record/pdf`, 'the case page offers the record');
  const res = await o.request.get(`${server.url}${pat.casePath}/record/fhir`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'] || '', /^application\/fhir\+json/);
  assert.match(res.headers()['content-disposition'] || '', /^attachment; filename="case-record-/);
});

test('"Sign out everywhere" signs the patient out in every browser', async () => {
  const pat = await newPatient('Paul Zweifach');
  // A second browser of the same patient, signed in by a requested link.
  const mark = sink.mails.length;
  const other = await page();
  await visit(other, `${server.url}/signin`);
  await other.locator('[name="email"]').fill(pat.email);
  await submitAndGetPostResponse(other, 'Email me a sign-in link');
  const mail = await sink.waitFor((m) => since(mark)(m) && m.subject === SUBJECT.signInLink && to(pat.email)(m), 30_000);
  await useLink(other, linkIn(mail, '/signin/[0-9a-f]{64}'), pat.name);

  await visit(pat.page, `${server.url}/portal/sessions`);
  assert.equal(await pat.page.locator('main .card').count(), 2, 'the sessions page lists both browsers');
  assert.equal(await pat.page.getByRole('heading', { name: 'This browser', exact: true }).count(), 1);
  assert.equal(await pat.page.getByRole('heading', { name: 'Another browser', exact: true }).count(), 1);

  const ended = await submitAndGetPostResponse(pat.page, 'Sign out everywhere');
  assert.equal(ended.status(), 303);
  assert.equal(new URL(pat.page.url()).pathname, '/signin', 'the patient lands on /signin');

  for (const [label, p] of [['this browser', pat.page], ['the other browser', other]]) {
    await p.goto(`${server.url}/portal`);
    assert.equal(new URL(p.url()).pathname, '/signin', `${label}: /portal now redirects to /signin`);
    const res = await p.request.get(`${server.url}/portal/messages`, { maxRedirects: 0 });
    assert.notEqual(res.status(), 200, `${label}: /portal/messages is closed (status ${res.status()})`);
  }
});

/** Owner invites a colleague who joins and enrols TOTP; `onPage(label, p)` is called on every step's page. */
async function colleagueJoins(name, onPage = async () => {}) {
  const email = uniqueEmail(name.split(' ')[0].toLowerCase());
  const o = await owner();
  await visit(o, `${server.url}/admin/team`);
  await o.locator('[name="name"]').fill(name);
  await o.locator('[name="email"]').fill(email);
  await o.locator('[name="time_zone"]').fill('Europe/Berlin');
  const res = await submitAndGetPostResponse(o, 'Send the invitation');
  assert.ok(res.status() < 400, `inviting a colleague answers ${res.status()}`);
  const mail = await sink.waitFor((m) => m.subject === SUBJECT.join && to(email)(m), 30_000);
  const link = linkIn(mail, '/join/[0-9a-f]{64}');

  const p = await page();
  await visit(p, link);
  for (const f of ['password', 'password_again']) assert.ok(await labelFor(p, f), `join field ${f} has a <label for>`);
  await onPage('/join/<token>', p);
  const password = sensitive('a colleague\'s long passphrase 2026');
  await p.locator('[name="password"]').fill(password);
  await p.locator('[name="password_again"]').fill(password);
  const joined = await submitAndGetPostResponse(p, 'Continue');
  assert.ok(joined.status() < 400, `joining answers ${joined.status()}`);
  assert.equal(new URL(p.url()).pathname, '/admin/two-factor/setup', 'the colleague enrols a second factor next');
  await onPage('/admin/two-factor/setup (colleague)', p);
  const secret = (await p.locator('code.secret').innerText()).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/, 'the enrolment shows a base32 secret');
  await p.locator('[name="code"]').fill(await freshCode(secret));
  const enrolled = await submitAndGetPostResponse(p, 'Confirm');
  assert.equal(enrolled.status(), 200, `confirming the code answers ${enrolled.status()}`);
  assert.equal(await p.locator('.recovery-codes li').count(), 10, 'ten recovery codes');
  await onPage('recovery codes (colleague)', p);
  await Promise.all([
    p.waitForURL((u) => u.pathname === '/admin', { waitUntil: 'load' }),
    p.getByRole('link', { name: 'Continue to the admin', exact: true }).click(),
  ]);
  const reuse = await (await page()).goto(link);
  assert.equal(reuse.status(), 404, 'the join link works once');
  return { name, email, password, secret, link, page: p };
}

test('a colleague joins, enrols a second factor, and sees none of the owner\'s patients', async () => {
  const ownersPatient = await invitePatient('Olga Eigen');
  const colleague = await colleagueJoins('Lena Kollegin');
  const c = colleague.page;
  assert.equal(new URL(c.url()).pathname, '/admin', 'the colleague is signed in');

  await visit(c, `${server.url}/admin/patients`);
  assert.ok(!(await mainShowsText(c, ownersPatient.name)), 'the colleague does not see the owner\'s patient');
  assert.equal(await c.locator(`main a[href="${ownersPatient.casePath}"]`).count(), 0, 'nor a link to the case');
  assert.equal(await c.locator('main a[href^="/admin/cases/"]').count(), 0, 'the colleague has no cases yet');
  const res = await c.goto(`${server.url}${ownersPatient.casePath}`);
  assert.equal(res.status(), 404, `the owner's case answers 404 to the colleague, got ${res.status()}`);
  assert.ok(!(await mainShowsText(c, ownersPatient.email)), 'the 404 page does not show the patient');
  // Posting into the owner's case, with a valid CSRF token of the colleague's own, answers 404 too.
  await visit(c, `${server.url}/admin/patients`);
  const csrf = await c.locator('form[action="/admin/patients"] [name="csrf"]').inputValue();
  const INTRUDER = written('written by e2e into a case that is not mine');
  const post = await c.request.post(`${server.url}${ownersPatient.casePath}`, {
    multipart: { csrf, body: INTRUDER }, maxRedirects: 0,
  });
  assert.equal(post.status(), 404, `posting into the owner's case answers 404, got ${post.status()}`);

  // The owner sees the colleague in the team; the colleague's own patient is theirs alone.
  const o = await owner();
  await visit(o, `${server.url}/admin/team`);
  assert.ok(await mainShowsText(o, colleague.email), '/admin/team lists the colleague');
  await visit(c, `${server.url}/admin/patients`);
  await c.locator('[name="name"]').fill('Theo Fremd');
  await c.locator('[name="email"]').fill(uniqueEmail('theo'));
  await c.locator('[name="time_zone"]').fill('Europe/Berlin');
  const inv = await submitAndGetPostResponse(c, 'Send the invitation');
  assert.equal(inv.status(), 303);
  const theirCase = new URL(c.url()).pathname;
  assert.match(theirCase, /^\/admin\/cases\/[0-9a-f]{32}$/);
  await visit(o, `${server.url}/admin/patients`);
  assert.ok(!(await mainShowsText(o, 'Theo Fremd')), 'the owner does not see the colleague\'s patient');
  const ownerRes = await o.goto(`${server.url}${theirCase}`);
  assert.equal(ownerRes.status(), 404, `the colleague's case answers 404 to the owner, got ${ownerRes.status()}`);
  await visit(o, `${server.url}${ownersPatient.casePath}`);
  assert.ok(!(await mainShowsText(o, INTRUDER)), 'the refused post left nothing in the owner\'s case');

  // The colleague can end their own sessions.
  await visit(c, `${server.url}/admin/sessions`);
  const ended = await submitAndGetPostResponse(c, 'Sign out everywhere');
  assert.equal(ended.status(), 303);
  assert.equal(new URL(c.url()).pathname, '/admin/signin', 'the colleague lands on /admin/signin');
  await c.goto(`${server.url}/admin`);
  assert.equal(new URL(c.url()).pathname, '/admin/signin', '/admin is closed afterwards');
});

test('axe-core finds no WCAG 2.2 AA violation on the portal, the case pages, the team and joining', async () => {
  const report = new AxeReport();
  const check = async (p, label) => {
    if (await p.locator('main').count() !== 1) report.fail(label, 'no single <main>');
    await report.check(p, label);
  };
  const open = async (p, path, label = path) => {
    const res = await p.goto(`${server.url}${path}`);
    if (res.status() !== 200) { report.fail(label, `status ${res.status()}`); return false; }
    await check(p, label);
    return true;
  };

  // Anonymous: the sign-in form, with an error, and its answer.
  const anon = await page();
  await open(anon, '/signin');
  await anon.locator('[name="email"]').fill('not-an-email');
  const signinBad = await submitAndGetPostResponse(anon, 'Email me a sign-in link');
  if (signinBad.status() !== 422) report.fail('/signin with an error', `status ${signinBad.status()}, expected 422`);
  await check(anon, '/signin with an error');
  await visit(anon, `${server.url}/signin`);
  await anon.locator('[name="email"]').fill(uniqueEmail('nobody'));
  await submitAndGetPostResponse(anon, 'Email me a sign-in link');
  await check(anon, '/signin "Check your email"');

  // The patient.
  const patient = await invitePatient('Ada Zugang');
  const pat = await page();
  await visit(pat, patient.link);
  await check(pat, '/signin/<token> (landing)');
  await submitAndGetPostResponse(pat, 'Sign in');
  await check(pat, '/portal');
  await open(pat, '/portal/messages', '/portal/messages (empty)');
  await writeMessage(pat, written('An e2e message for the accessibility check'),
    { name: written('axe-e2e.pdf'), mimeType: 'application/pdf', buffer: PDF });
  await check(pat, '/portal/messages (with a message)');
  const bad = await writeMessage(pat, written('An e2e message with a wrong file'),
    { name: 'wrong-e2e.html', mimeType: 'text/html', buffer: HTML });
  if (bad.status() !== 422) report.fail('/portal/messages (error)', `status ${bad.status()}, expected 422`);
  await check(pat, '/portal/messages (with the attachment error)');
  await open(pat, '/portal/profile');
  await pat.locator('[name="email"]').fill('not-an-email');
  const profileBad = await submitAndGetPostResponse(pat, 'Save');
  if (profileBad.status() !== 422) report.fail('/portal/profile (with an error)', `status ${profileBad.status()}, expected 422`);
  await check(pat, '/portal/profile (with an error)');
  await open(pat, '/portal/sessions');

  // The owner.
  const o = await owner();
  await open(o, '/admin/patients');
  await o.locator('[name="email"]').fill('not-an-email');
  const inviteBad = await submitAndGetPostResponse(o, 'Send the invitation');
  if (inviteBad.status() !== 422) report.fail('/admin/patients (with errors)', `status ${inviteBad.status()}, expected 422`);
  await check(o, '/admin/patients (with errors)');
  if (await open(o, patient.casePath, '/admin/cases/<id>')) {
    await writeMessage(o, written('An e2e reply for the accessibility check'),
      { name: written('axe-reply-e2e.png'), mimeType: 'image/png', buffer: PNG });
    await check(o, '/admin/cases/<id> (with a reply)');
  }
  await open(o, '/admin/team');
  await open(o, '/admin/sessions');
  await open(o, '/admin/audit');
  await open(pat, '/portal/messages', '/portal/messages (with the reply)');

  // A colleague joining.
  await colleagueJoins('Ben Barriere', (label, p) => check(p, label));

  report.assertClean(assert);
  assert.equal(report.checked.length, 22, `axe checked every page: ${report.checked.join(', ')}`);
});

test('no mail carries any message text or attachment name written in this file', async () => {
  await sleep(2000);
  assertNoMailLeaks();
  assert.ok(sink.find((m) => m.subject === SUBJECT.newMessage).length >= 2, 'message notifications were sent');
});
