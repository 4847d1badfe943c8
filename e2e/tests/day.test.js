// The therapist's day and the calendar: a visitor's booking shows on /admin and its content-free
// mail arrives in the dev mailbox; a patient's message is unread there
// until read; a risk answer comes first; the week's grid at 390 and 1280 px (one day on a phone,
// seven on a laptop, no sideways scroll); an appointment's own page moves and cancels. axe-core
// checks each page, and screenshots of /admin and the calendar are kept in e2e/.artifacts/.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, uniqueEmail, submitAndGetPostResponse, signIn, shoot, noSidewaysScroll } from '../lib/harness.js';
import { firstSlotAfter, slotStartMs, BOOKING_NOTICE, SLACK } from '../lib/slots.js';
import { sensitive } from '../lib/privacy.js';

const cleanup = cleanupStack();
// Mail to the therapist is read in the dev mailbox of a server without SMTP; patients' sign-in links
// (which the dev mailbox shows masked) come through an SMTP sink from a second server.
let devServer;
let server;
let sink;
let browser;
const owners = new Map();

before(async () => {
  devServer = cleanup.keep(await startServer({ demo: true, label: 'day (demo, dev mailbox)' }));
  sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'day (demo, SMTP)' }));
  browser = cleanup.keep(await launchBrowser());
});

async function page(options) {
  const p = await newPage(browser, options);
  cleanup.add(() => p.context().close());
  return p;
}

/** The demo's therapist (and owner), signed in once per server (a TOTP code is good once per 30 s). */
async function anna(on = server) {
  if (!owners.has(on)) {
    const o = await page();
    await signIn(o, on.url, { secret: on.totpSecret() });
    owners.set(on, o);
  }
  return owners.get(on);
}

/** Reloads `url` in `p` until `ready(p)` holds (the job runner sends mail a moment after the fact). */
async function until(p, url, ready, what) {
  for (let i = 0; i < 60; i += 1) {
    await visit(p, url);
    if (await ready(p)) return;
    await p.waitForTimeout(500);
  }
  throw new Error(`never: ${what}`);
}

/** The dev mailbox's newest mail to `to` whose subject matches `subject`: { subject, body }. */
async function devMail(to, subject) {
  const o = await anna(devServer);
  const row = () => o.locator('tbody tr', { hasText: to }).filter({ hasText: subject }).first();
  await until(o, `${devServer.url}/admin/mailbox`, async () => (await row().count()) > 0, `a mail to ${to} (${subject})`);
  await Promise.all([o.waitForURL(/\/admin\/mailbox\/.+/, { waitUntil: 'load' }), row().getByRole('link').click()]);
  return { subject: await o.locator('h1').innerText(), body: await o.locator('pre.mail-body').innerText() };
}

/** The owner invites a patient, who signs in through the mailed link. */
async function patient(name) {
  const email = uniqueEmail(name.split(' ')[0].toLowerCase());
  const o = await anna();
  await visit(o, `${server.url}/admin/patients`);
  await o.locator('[name="name"]').fill(name);
  await o.locator('[name="email"]').fill(email);
  await o.locator('[name="time_zone"]').fill('Europe/London');
  assert.equal((await submitAndGetPostResponse(o, 'Send the invitation')).status(), 303);
  const casePath = new URL(o.url()).pathname;
  const mail = await sink.waitFor((m) => m.envelopeTo.includes(email) && /\/signin\//.test(m.text), 30_000);
  const link = mail.text.match(/https?:\/\/\S+\/signin\/[0-9a-f]{64}/)[0];
  const p = await page();
  await visit(p, link);
  assert.equal((await submitAndGetPostResponse(p, 'Sign in')).status(), 303);
  return { name, email, page: p, casePath };
}



test('a booking shows on the day, and its mail to the therapist names no one and no time', async () => {
  const axe = new AxeReport();
  const visitor = await page({ timezoneId: 'Europe/Berlin' });
  await visit(visitor, `${devServer.url}/book?tz=Europe/Berlin`);
  const first = await firstSlotAfter(visitor, BOOKING_NOTICE + SLACK);
  const start = new Date(slotStartMs(await first.getAttribute('href')));
  await Promise.all([visitor.waitForURL(/\/book\/[0-9a-f]+-first-\d+/), first.click()]);
  const name = sensitive('Jonas Weber');
  const note = sensitive('I keep waking at four, day e2e note');
  await visitor.locator('[name="name"]').fill(name);
  await visitor.locator('[name="email"]').fill(uniqueEmail('jonas'));
  await visitor.locator('[name="phone"]').fill('+49 30 5550100');
  await visitor.locator('[name="note"]').fill(note);
  await visitor.locator('[name="consent"]').check();
  assert.equal((await submitAndGetPostResponse(visitor, 'Book this time')).status(), 303);

  const o = await anna(devServer);
  await visit(o, `${devServer.url}/admin`);
  const news = o.locator('section.day-needs');
  assert.match(await news.innerText(), new RegExp(`New bookings and cancellations[\\s\\S]*${name}[\\s\\S]*Booked: First consultation`));
  await axe.check(o, '/admin with a new booking');

  const mail = await devMail('anna@linden-room.example', 'a new booking');
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(start);
  for (const word of [name, 'Jonas', note, time, '+49']) {
    assert.ok(!`${mail.subject}\n${mail.body}`.includes(word), `the mail does not say ${JSON.stringify(word)}`);
  }
  assert.ok(mail.body.includes(`${devServer.url}/admin`), 'the mail links the day');

  // From the day to the booking's page, and on to the case: the visitor's words are there.
  await visit(o, `${devServer.url}/admin`);
  await Promise.all([o.waitForURL(/\/admin\/calendar\/[0-9a-f]{32}$/, { waitUntil: 'load' }), news.getByRole('link', { name }).first().click()]);
  await axe.check(o, 'an appointment\'s page');
  await Promise.all([o.waitForURL(/\/admin\/cases\//, { waitUntil: 'load' }), o.getByRole('link', { name, exact: true }).click()]);
  assert.match(await o.locator('.visitor-words').innerText(), /I keep waking at four[\s\S]*|\+49 30 5550100/);
  assert.ok((await o.locator('.visitor-words').innerText()).includes('+49 30 5550100'));
  await axe.check(o, 'the case page with the visitor\'s words');

  // Seen: the news goes.
  await visit(o, `${devServer.url}/admin`);
  assert.equal((await submitAndGetPostResponse(o, 'Mark these as seen')).status(), 303);
  assert.doesNotMatch(await o.locator('main').innerText(), /New bookings and cancellations/);
  axe.assertClean(assert);
});

test('a patient\'s message is unread on the day until the therapist reads it; a risk answer comes first', async () => {
  const axe = new AxeReport();
  const pat = await patient(sensitive('Mira Jansen'));
  const p = pat.page;
  const o = await anna();

  await visit(p, `${server.url}/portal/messages`);
  await p.locator('[name="body"]').fill(sensitive('Could we move Thursday? day e2e message'));
  assert.equal((await submitAndGetPostResponse(p, 'Send')).status(), 303);
  await visit(o, `${server.url}/admin`);
  const unread = o.locator('section.day-needs li', { hasText: pat.name });
  assert.match(await unread.innerText(), /1 unread message/);
  assert.doesNotMatch(await o.locator('main').innerText(), /Could we move Thursday/, 'the day shows no message text');
  await axe.check(o, '/admin with an unread message');
  await Promise.all([o.waitForURL((u) => u.pathname === pat.casePath, { waitUntil: 'load' }), unread.getByRole('link', { name: pat.name }).click()]);
  await visit(o, `${server.url}/admin`);
  assert.equal(await o.locator('section.day-needs li', { hasText: pat.name }).count(), 0, 'read, it is gone');

  // PHQ-9 item 9 above "Not at all": the day opens with it, before the sessions and everything else.
  await visit(p, `${server.url}/portal`);
  await Promise.all([
    p.waitForURL((u) => u.pathname.startsWith('/portal/questionnaires/'), { waitUntil: 'load' }),
    p.getByRole('link', { name: 'Patient Health Questionnaire-9 (PHQ-9)', exact: true }).click(),
  ]);
  await p.getByRole('group', { name: /^9\. Thoughts that you would be better off dead/ }).getByLabel('Several days').check();
  for (let n = 1; n <= 8; n += 1) {
    await p.getByRole('group', { name: new RegExp(`^${n}\\. `) }).getByLabel('Not at all').check();
  }
  await submitAndGetPostResponse(p, 'Send to Dr. Anna Lindqvist');
  await visit(o, `${server.url}/admin`);
  const firstSection = o.locator('main > section').first();
  assert.equal(await firstSection.getAttribute('class'), 'day-risk', 'the risk comes first');
  assert.match(await firstSection.innerText(), new RegExp(`Needs your attention first[\\s\\S]*${pat.name}`));
  assert.match(await o.locator('section.day-needs').innerText(), /Questionnaires returned/);
  await axe.check(o, '/admin with a risk answer');
  for (const width of [390, 1280]) {
    await o.setViewportSize({ width, height: 844 });
    await noSidewaysScroll(o, `/admin at ${width}`);
    await shoot(o, `admin-day-${width}`);
  }
  await o.setViewportSize({ width: 1280, height: 800 });

  // Seen on the case page, it leaves the day.
  await Promise.all([o.waitForURL((u) => u.pathname === pat.casePath, { waitUntil: 'load' }), firstSection.getByRole('link', { name: pat.name }).click()]);
  assert.equal((await submitAndGetPostResponse(o, 'I have seen it')).status(), 303);
  await visit(o, `${server.url}/admin`);
  assert.equal(await o.locator('section.day-risk').count(), 0);
  axe.assertClean(assert);
});

test('the week is a grid: one day on a phone, seven on a laptop; an appointment\'s page moves and cancels', async () => {
  const axe = new AxeReport();
  const o = await anna();
  const pat = await patient(sensitive('Ole Brandt'));
  // A session next Wednesday at 10:00 (the therapist's zone), added from the calendar's form.
  await visit(o, `${server.url}/admin/calendar`);
  const monday = (await o.locator('.cal-day h2').first().getAttribute('id')).slice(4);
  const wed = new Date(`${monday}T12:00:00Z`);
  wed.setUTCDate(wed.getUTCDate() + 9);
  const date = wed.toISOString().slice(0, 10);
  await o.locator('details.cal-forms summary').click();
  await o.locator('#case').selectOption({ label: pat.name });
  await o.locator('#kind').selectOption('session');
  await o.locator('#date').fill(date);
  await o.locator('#time').fill('10:00');
  await o.locator('#clash').check();
  assert.equal((await submitAndGetPostResponse(o, 'Add the appointment')).status(), 303);
  const item = o.locator('a.cal-item', { hasText: pat.name });
  assert.match(await item.innerText(), /10:00[\s\S]*Session/);
  await axe.check(o, 'the calendar at 1280');

  for (const width of [390, 1280]) {
    await o.setViewportSize({ width, height: 844 });
    await visit(o, `${server.url}/admin/calendar?day=${date}`);
    const shown = await o.locator('.cal-day').evaluateAll((days) => days.filter((d) => d.offsetParent !== null).length);
    assert.equal(shown, width === 390 ? 1 : 7, `days shown at ${width} px`);
    assert.ok(await o.locator('a.cal-item', { hasText: pat.name }).isVisible(), `the session is visible at ${width} px`);
    await noSidewaysScroll(o, `/admin/calendar at ${width}`);
    await axe.check(o, `the calendar at ${width}`);
    await shoot(o, `admin-calendar-${width}`);
  }
  await o.setViewportSize({ width: 1280, height: 800 });

  await Promise.all([o.waitForURL(/\/admin\/calendar\/[0-9a-f]{32}$/, { waitUntil: 'load' }), o.locator('a.cal-item', { hasText: pat.name }).click()]);
  const page = new URL(o.url()).pathname;
  assert.ok(await o.getByRole('link', { name: 'Open the room', exact: true }).isVisible());
  await o.locator('#time').fill('');
  assert.equal((await submitAndGetPostResponse(o, 'Move')).status(), 422);
  assert.ok(await o.locator('#time-error').isVisible(), 'the refusal stands next to the time');
  await axe.check(o, 'an appointment\'s page with an error');
  await o.locator('#time').fill('14:30');
  assert.equal((await submitAndGetPostResponse(o, 'Move')).status(), 303);
  assert.equal(new URL(o.url()).pathname, page);
  assert.match(await o.locator('.facts').innerText(), /14:30/);
  await shoot(o, 'admin-appointment-1280');
  assert.equal((await submitAndGetPostResponse(o, 'Cancel this appointment')).status(), 303);
  assert.match(await o.locator('.facts').innerText(), /cancelled/);
  assert.equal(await o.getByRole('link', { name: 'Open the room', exact: true }).count(), 0);
  await visit(o, `${server.url}/admin/calendar?day=${date}`);
  assert.equal(await o.locator('a.cal-item', { hasText: pat.name }).count(), 0, 'gone from the grid');
  axe.assertClean(assert);
});
