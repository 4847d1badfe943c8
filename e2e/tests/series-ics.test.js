// The regular hour's calendar, read by two real iCalendar parsers across a daylight-saving change.
// The demo's owner (Berlin, whose clocks go forward on 28 March 2027) sets a weekly hour at 18:00 from
// 1 March 2027 through the series form, leaves one session out and moves another. The patient's newest
// series calendar (from the dev mailbox) and the therapist's private feed are each expanded over
// March–April by node-ical (its rrule, EXDATE and RECURRENCE-ID overrides applied here) and by ical.js
// (ICAL.Event's iterator, which applies them itself): both give the same UTC instants, and those are the
// sessions the calendar page shows for those weeks, read in the therapist's zone. axe-core checks the
// series page; screenshots of it at 1280 and 390 px are kept in e2e/.artifacts/.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import ical from 'node-ical';
import ICAL from 'ical.js';

// The servers of this file run on a clock that starts at the Rust tests' instant, 27 November 2026, on
// whatever day the suite runs (and whatever E2E_NOW the run was given): the first sessions must lie before
// Berlin's change on 28 March 2027 and the weeks after it inside the half-year a series is booked ahead.
// Each test file is its own process, so this moves no other file's clock; the harness reads it on import.
process.env.E2E_NOW = '2026-11-27T09:00:00Z';
const { startServer, sleep } = await import('../lib/server.js');
const { launchBrowser, newPage, visit } = await import('../lib/browser.js');
const { AxeReport } = await import('../lib/axe.js');
const { test, cleanupStack, uniqueEmail, submitAndGetPostResponse, signIn, shoot, noSidewaysScroll, labelFor } = await import('../lib/harness.js');
const { sensitive } = await import('../lib/privacy.js');

const cleanup = cleanupStack();
let server;
let browser;

before(async () => {
  server = cleanup.keep(await startServer({ demo: true, label: 'series-ics (demo, dev mailbox)' }));
  browser = cleanup.keep(await launchBrowser());
});

async function page(options) {
  const p = await newPage(browser, options);
  cleanup.add(() => p.context().close());
  return p;
}

const DAY = 86_400_000;
/** The span compared: March and April 2027, across Berlin's change on 28 March. */
const FROM = new Date('2027-03-01T00:00:00Z');
const TO = new Date('2027-05-01T00:00:00Z');
/** Occurrences are expanded this far either side, so a session moved into the span from outside counts. */
const MARGIN = 60 * DAY;

/** The zone's offset from UTC at `at`, in milliseconds. */
function offsetMs(zone, at) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(at);
  const get = (t) => Number(parts.find((p) => p.type === t).value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant of a wall-clock `date` (YYYY-MM-DD) and `time` (HH:MM) in `zone`. */
function zonedToUtc(date, time, zone) {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let at = wall;
  for (let i = 0; i < 3; i += 1) at = wall - offsetMs(zone, new Date(at));
  return new Date(at);
}

/** node-ical: the series' master event expanded with its rrule, EXDATEs left out, RECURRENCE-ID overrides applied. */
function byNodeIcal(text, firstStart) {
  const parsed = ical.sync.parseICS(text);
  const masters = Object.values(parsed).filter((e) => e.type === 'VEVENT' && e.rrule && e.start.getTime() === firstStart.getTime());
  assert.equal(masters.length, 1, `one recurring event starting ${firstStart.toISOString()}`);
  const [event] = masters;
  assert.equal(event.start.tz, 'Europe/Berlin', 'DTSTART keeps the therapist\'s zone');
  const instants = [];
  for (const occurrence of event.rrule.between(new Date(FROM - MARGIN), new Date(TO.getTime() + MARGIN), true)) {
    const key = occurrence.toISOString();
    if (event.exdate?.[key]) continue;
    const start = event.recurrences?.[key]?.start ?? occurrence;
    if (start >= FROM && start < TO) instants.push(start.toISOString());
  }
  // node-ical's own expansion (which applies the same exceptions) must say the same.
  const expanded = ical.expandRecurringEvent(event, { from: FROM, to: new Date(TO - 1) }).map((i) => i.start.toISOString()).sort();
  assert.deepEqual(expanded, instants.sort(), 'node-ical\'s expandRecurringEvent agrees with its rrule and exceptions');
  return instants;
}

/** ical.js: ICAL.Event over the master and its related exceptions; its iterator leaves EXDATEs out itself. */
function byIcalJs(text, firstStart) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const vevents = calendar.getAllSubcomponents('vevent');
  const masters = vevents.filter((v) => v.hasProperty('rrule') && v.getFirstPropertyValue('dtstart').toJSDate().getTime() === firstStart.getTime());
  assert.equal(masters.length, 1, `one recurring event starting ${firstStart.toISOString()}`);
  const [master] = masters;
  assert.equal(master.getFirstPropertyValue('dtstart').zone.tzid, 'Europe/Berlin', 'the VTIMEZONE is found, not a floating time');
  const uid = master.getFirstPropertyValue('uid');
  const event = new ICAL.Event(master);
  for (const v of vevents) {
    if (v !== master && v.hasProperty('recurrence-id') && v.getFirstPropertyValue('uid') === uid) event.relateException(v);
  }
  const instants = [];
  const iterator = event.iterator();
  for (let next = iterator.next(); next && next.toJSDate() < TO.getTime() + MARGIN; next = iterator.next()) {
    const start = event.getOccurrenceDetails(next).startDate.toJSDate();
    if (start >= FROM && start < TO) instants.push(start.toISOString());
  }
  return instants.sort();
}

/** Mondays from 1 March to 26 April 2027: one calendar week each. */
function mondays() {
  const out = [];
  for (let t = Date.UTC(2027, 2, 1); t < TO.getTime(); t += 7 * DAY) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** The patient's sessions on the calendar page's week grids: { href, date, time } in the therapist's zone. */
async function calendarSessions(o, name) {
  const found = new Map();
  for (const monday of mondays()) {
    await visit(o, `${server.url}/admin/calendar?day=${monday}`);
    const items = await o.locator('section.cal-day').evaluateAll((sections, who) => sections.flatMap((s) => [...s.querySelectorAll('a.cal-item')]
      .filter((a) => a.textContent.includes(who))
      .map((a) => ({ href: a.getAttribute('href'), date: s.querySelector('h2[id^="day-"]').id.replace(/^day-/, ''), time: a.querySelector('.cal-item-time').textContent.trim() }))), name);
    for (const i of items) found.set(i.href, i);
  }
  return [...found.values()];
}

/** Calls `check` on fresh loads of `url` until it holds (mail goes out through the job runner). */
async function until(o, url, check, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await visit(o, url);
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`never: ${what}`);
}

const NAME = sensitive('Robin Calloway');

test('the series\' calendar reads as the same instants in node-ical, ical.js and the calendar page across the change', async () => {
  const axe = new AxeReport();
  const o = await page({ viewport: { width: 1280, height: 900 } });
  await signIn(o, server.url, { secret: server.totpSecret() });
  const email = uniqueEmail('robin');
  await visit(o, `${server.url}/admin/patients`);
  await o.locator('[name="name"]').fill(NAME);
  await o.locator('[name="email"]').fill(email);
  await o.locator('[name="time_zone"]').fill('Europe/London');
  assert.equal((await submitAndGetPostResponse(o, 'Send the invitation')).status(), 303);
  const caseId = new URL(o.url()).pathname.split('/').pop();

  // The series form: empty dates are refused next to their field, then a weekly hour from Monday 1 March.
  const seriesUrl = `${server.url}/admin/cases/${caseId}/series`;
  await visit(o, seriesUrl);
  await axe.check(o, 'series page, nothing set');
  const zone = (await o.locator('label[for="time"]').innerText()).match(/\(your zone, ([^)]+)\)/)?.[1];
  assert.equal(zone, 'Europe/Berlin', 'the hour is set in the therapist\'s zone');
  assert.equal(await labelFor(o, 'until'), 'Last date (optional)', 'an optional field says so once');
  await o.getByLabel('Time (your zone, Europe/Berlin)').fill('18:00');
  assert.equal((await submitAndGetPostResponse(o, 'Set the regular time')).status(), 422);
  assert.equal(await o.locator('#first-error').count(), 1, 'the missing first date is named next to its field');
  assert.equal(await o.locator('[name="time"]').inputValue(), '18:00', 'what was typed is kept');
  await axe.check(o, 'series page with an error');
  await o.locator('[name="frequency"]').selectOption('weekly');
  await o.locator('[name="first"]').fill('2027-03-01');
  await o.locator('[name="time"]').fill('18:00');
  await o.locator('[name="kind"]').selectOption('session');
  assert.equal((await submitAndGetPostResponse(o, 'Set the regular time')).status(), 303);
  const main = await o.locator('main').innerText();
  assert.match(main, /sessions booked for the next six months/);
  assert.match(main, /Weekly on Monday at 18:00 \(Europe\/Berlin\)/);
  await axe.check(o, 'series page, a weekly hour set');
  await shoot(o, 'series-1280');
  const phone = await page({ viewport: { width: 390, height: 844 } });
  await phone.context().addCookies(await o.context().cookies());
  await visit(phone, seriesUrl);
  await noSidewaysScroll(phone, 'the series page at 390');
  await axe.check(phone, 'series page at 390');
  await shoot(phone, 'series-390');

  // Leave 12 April out (after the change) and move 22 March (before it) to Wednesday 31 March, 10:00.
  const booked = await calendarSessions(o, NAME);
  const on = (date) => booked.find((s) => s.date === date)?.href ?? assert.fail(`no session on ${date}: ${JSON.stringify(booked)}`);
  await visit(o, `${server.url}${on('2027-04-12')}`);
  assert.equal((await submitAndGetPostResponse(o, 'Cancel this appointment')).status(), 303);
  await visit(o, `${server.url}${on('2027-03-22')}`);
  await o.getByLabel('New date').fill('2027-03-31');
  await o.getByLabel('New time').fill('10:00');
  assert.equal((await submitAndGetPostResponse(o, 'Move')).status(), 303);

  // What the calendar page shows for those weeks, as instants: 18:00 Berlin is 17:00Z before the change
  // and 16:00Z after it; the moved session at its new time; 12 April gone.
  const shown = await calendarSessions(o, NAME);
  const onPage = shown.map((s) => zonedToUtc(s.date, s.time.match(/^\d{1,2}:\d{2}/)[0], zone).toISOString()).sort();
  const expected = [
    '2027-03-01T17:00:00.000Z', '2027-03-08T17:00:00.000Z', '2027-03-15T17:00:00.000Z',
    '2027-03-29T16:00:00.000Z', '2027-03-31T08:00:00.000Z', '2027-04-05T16:00:00.000Z',
    '2027-04-19T16:00:00.000Z', '2027-04-26T16:00:00.000Z',
  ];
  assert.deepEqual(onPage, expected, `the calendar page: ${JSON.stringify(shown)}`);
  const firstStart = new Date(expected[0]);

  // The patient's newest series calendar, as the owner reads it in the dev mailbox.
  const row = () => o.locator('tbody tr', { hasText: email }).filter({ hasText: 'Moved' }).first();
  await until(o, `${server.url}/admin/mailbox`, async () => (await row().count()) > 0, `the move's mail to ${email}`);
  await Promise.all([o.waitForURL(/\/admin\/mailbox\/.+/, { waitUntil: 'load' }), row().getByRole('link').click()]);
  const body = await o.locator('pre.mail-body').innerText();
  const marker = '--- invite.ics ---';
  assert.ok(body.includes(marker), 'the mail carries the calendar file');
  const mailed = body.slice(body.indexOf(marker) + marker.length).trim().replace(/\r?\n/g, '\r\n');
  for (const line of ['RRULE:FREQ=WEEKLY', 'EXDATE;TZID=Europe/Berlin:20270412T180000', 'RECURRENCE-ID;TZID=Europe/Berlin:20270322T180000', 'BEGIN:VTIMEZONE']) {
    assert.ok(mailed.includes(line), `${line} in the mailed calendar:\n${mailed}`);
  }

  // The therapist's own feed, made on the calendar page and fetched without any session.
  await visit(o, `${server.url}/admin/calendar`);
  assert.equal((await submitAndGetPostResponse(o, 'Make a new feed address')).status(), 200, 'the address is shown once, on the answer itself');
  const feedUrl = new URL((await o.locator('.notice code').innerText()).trim());
  sensitive(feedUrl.pathname.split('/').pop().replace(/\.ics$/, ''), 'token');
  const response = await fetch(`${server.url}${feedUrl.pathname}`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/calendar/);
  const feed = await response.text();

  for (const [label, text] of [['the patient\'s mailed series', mailed], ['the therapist\'s feed', feed]]) {
    const a = byNodeIcal(text, firstStart);
    const b = byIcalJs(text, firstStart);
    assert.deepEqual(a, b, `${label}: node-ical and ical.js agree`);
    assert.deepEqual(a, onPage, `${label}: the parsers give the calendar page's sessions`);
  }
  axe.assertClean(assert);
});
