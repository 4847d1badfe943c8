// A visitor whose browser is in New York books a first consultation with a therapist in Berlin:
// the times show in New York time, the confirmation arrives with a calendar file that a real
// iCalendar parser reads as the same instant, and every booking page is axe-clean.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import ical from 'node-ical';
import { startServer } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, uniqueEmail, submitAndGetPostResponse, signIn } from '../lib/harness.js';
import { firstSlotAfter, slotStartMs, BOOKING_NOTICE, CANCEL_NOTICE, SLACK } from '../lib/slots.js';
import { sensitive } from '../lib/privacy.js';

const cleanup = cleanupStack();
let server;
let sink;
let browser;

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'booking (demo, SMTP)' }));
  browser = cleanup.keep(await launchBrowser());
});

test('a visitor in New York books, and the calendar file names the same instant', async () => {
  const p = await newPage(browser, { timezoneId: 'America/New_York' });
  cleanup.add(() => p.context().close());
  const report = new AxeReport();
  // The page learns the zone from the browser and shows the times in it.
  await p.goto(`${server.url}/book`);
  await p.waitForURL((u) => u.searchParams.get('tz') === 'America/New_York');
  assert.equal(await p.locator('#tz').inputValue(), 'America/New_York', 'the zone chooser shows the detected zone');
  await report.check(p, '/book');
  // Far enough ahead that the booking can still be moved (48 hours' notice) when the test gets there.
  const first = await firstSlotAfter(p, CANCEL_NOTICE + SLACK);
  const slotHref = await first.getAttribute('href');
  const startSeconds = slotStartMs(slotHref) / 1000;
  const expectedLocal = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(startSeconds * 1000));
  assert.equal((await first.innerText()).trim(), expectedLocal, 'the slot reads in New York time');

  await Promise.all([p.waitForURL(/\/book\/[0-9a-f]+-first-\d+/), first.click()]);
  await report.check(p, 'booking form');
  const email = uniqueEmail('booker');
  await p.locator('[name="name"]').fill(sensitive('Nora Booker'));
  await p.locator('[name="email"]').fill('not an email');
  const bad = await submitAndGetPostResponse(p, 'Book this time');
  assert.equal(bad.status(), 422);
  assert.ok(await p.locator('#email-error').isVisible() && await p.locator('#consent-error').isVisible());
  assert.equal(await p.locator('[name="name"]').inputValue(), 'Nora Booker', 'what was typed is kept');
  await report.check(p, 'booking form with errors');
  await p.locator('[name="email"]').fill(email);
  await p.locator('[name="consent"]').check();
  const good = await submitAndGetPostResponse(p, 'Book this time');
  assert.equal(good.status(), 303);
  assert.equal(new URL(p.url()).pathname, '/book/confirmed');
  assert.ok((await p.locator('main').innerText()).includes('(America/New_York)'));
  await report.check(p, 'booking confirmed');
  report.assertClean(assert);

  const mail = await sink.waitFor((m) => m.to.includes(email), 30_000);
  const invite = mail.attachments.find((a) => a.filename === 'invite.ics');
  assert.ok(invite, `the confirmation carries invite.ics; attachments: ${mail.attachments.map((a) => a.filename)}`);
  assert.match(invite.contentType, /^text\/calendar/);
  const parsed = ical.sync.parseICS(invite.content);
  const event = Object.values(parsed).find((e) => e.type === 'VEVENT');
  assert.ok(event, 'a VEVENT parses');
  assert.equal(event.start.getTime(), startSeconds * 1000, 'DTSTART is the booked instant');
  assert.equal(event.end.getTime() - event.start.getTime(), 50 * 60 * 1000, 'fifty minutes');
  assert.equal(String(event.sequence), '0');
  assert.match(invite.content, /METHOD:REQUEST\r\n/);
  assert.ok(mail.text.includes('(EST)') || mail.text.includes('(EDT)'), 'the mail gives the time in the visitor\'s zone');

  // The visitor cancels through the link in the mail; the CANCEL arrives for the same event.
  const manage = mail.text.match(/http:\/\/127\.0\.0\.1:\d+\/booking\/[0-9a-f]{64}/)?.[0];
  assert.ok(manage, 'the confirmation has a link to manage the booking');
  await visit(p, manage);
  const manageReport = new AxeReport();
  await manageReport.check(p, 'manage booking');
  // First the visitor moves it to another time (the same event, a higher SEQUENCE).
  await Promise.all([p.waitForURL(/reschedule=/), p.getByRole('link', { name: 'Choose another time', exact: true }).click()]);
  await manageReport.check(p, 'choose a new time');
  await Promise.all([p.waitForURL(/\/move\//), p.locator('.slot-list a').first().click()]);
  await manageReport.check(p, 'confirm the move');
  const moved = await submitAndGetPostResponse(p, 'Move my appointment to this time');
  assert.equal(moved.status(), 303);
  const movedMail = await sink.waitFor((m) => m.to.includes(email) && m.subject.startsWith('Moved'), 30_000);
  const movedEvent = Object.values(ical.sync.parseICS(movedMail.attachments.find((a) => a.filename === 'invite.ics').content)).find((e) => e.type === 'VEVENT');
  assert.equal(movedEvent.uid, event.uid, 'the same event');
  assert.equal(String(movedEvent.sequence), '1');
  assert.notEqual(movedEvent.start.getTime(), startSeconds * 1000, 'at another time');
  const cancelled = await submitAndGetPostResponse(p, 'Cancel this appointment');
  assert.equal(cancelled.status(), 303);
  assert.ok((await p.locator('main').innerText()).includes('This appointment is cancelled'));
  await manageReport.check(p, 'manage booking, cancelled');
  manageReport.assertClean(assert);
  const cancelMail = await sink.waitFor((m) => m.to.includes(email) && m.subject.startsWith('Cancelled'), 30_000);
  const cancelIcs = cancelMail.attachments.find((a) => a.filename === 'invite.ics');
  assert.ok(cancelIcs, 'the cancellation carries invite.ics');
  assert.match(cancelIcs.content, /METHOD:CANCEL\r\n/);
  const cancelEvent = Object.values(ical.sync.parseICS(cancelIcs.content)).find((e) => e.type === 'VEVENT');
  assert.equal(cancelEvent.uid, event.uid, 'the same event');
  assert.equal(cancelEvent.status, 'CANCELLED');
  assert.equal(String(cancelEvent.sequence), '2', 'the sequence was raised again');
  assert.equal(cancelEvent.start.getTime(), movedEvent.start.getTime());
});

test('a time taken a moment before answers with the nearest free times, the input kept', async () => {
  const p = await newPage(browser, { timezoneId: 'Europe/Berlin' });
  cleanup.add(() => p.context().close());
  await visit(p, `${server.url}/book?tz=Europe/Berlin`);
  const slot = await firstSlotAfter(p, BOOKING_NOTICE + SLACK);
  await Promise.all([p.waitForURL(/\/book\/[0-9a-f]+-first-\d+/), slot.click()]);
  // Someone else books the same time through the API while this visitor types.
  const slotId = new URL(p.url()).pathname.split('/').pop();
  const api = await fetch(`${server.url}/api/v1/bookings`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ slot_id: slotId, name: 'Quick', email: uniqueEmail('quick'), consent: true }),
  });
  assert.equal(api.status, 201);
  await p.locator('[name="name"]').fill(sensitive('Slow Visitor'));
  await p.locator('[name="email"]').fill(uniqueEmail('slow'));
  await p.locator('[name="consent"]').check();
  const taken = await submitAndGetPostResponse(p, 'Book this time');
  assert.equal(taken.status(), 409);
  assert.ok((await p.locator('main').innerText()).includes('This time was just taken'));
  const report = new AxeReport();
  await report.check(p, 'time just taken');
  report.assertClean(assert);
  const next = await submitAndGetPostResponse(p, await p.locator('main form button').first().innerText());
  assert.equal(next.status(), 303, 'one of the nearest times books with what was typed');
});

test('the therapist\'s calendar and booking settings are axe-clean', async () => {
  const p = await newPage(browser);
  cleanup.add(() => p.context().close());
  await signIn(p, server.url, { secret: server.totpSecret() });
  const report = new AxeReport();
  for (const path of ['/admin/calendar', '/admin/booking']) {
    await visit(p, `${server.url}${path}`);
    await report.check(p, path);
  }
  // A bad line comes back next to its field.
  await p.locator('#weekly').fill('Someday 25:00-26:00');
  const bad = await submitAndGetPostResponse(p, 'Save');
  assert.equal(bad.status(), 422);
  assert.ok(await p.locator('#weekly-error').isVisible());
  await report.check(p, '/admin/booking with an error');
  report.assertClean(assert);
});
