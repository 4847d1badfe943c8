// The video room in Chromium with fake camera and microphone: a therapist and a patient meet through the
// waiting room and see each other's video; the patient reloads mid-call and the call comes back by
// itself; the call goes through coturn when only the relay is allowed, with credentials minted by
// holdspace; strangers and early arrivals are refused at the socket; three people connect in pairs;
// and, on PostgreSQL, two instances of holdspace on one database carry one call between them.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Server, usePostgres } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { Turn } from '../lib/turn.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, uniqueEmail, DEMO, signIn, submitAndGetPostResponse } from '../lib/harness.js';

const cleanup = cleanupStack();
let server;
let sink;
let turn;
let browser;
let ownerPage = null;

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  turn = await new Turn().start();
  cleanup.add(() => turn.stop());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, env: turn.env(), label: 'room (demo, coturn)' }));
  browser = cleanup.keep(await launchBrowser());
});

// Every peer connection a page makes is kept where the test can read its statistics; with `relay`,
// the page may use the TURN relay only (as on a network that allows nothing else).
const RECORD = (relay) => `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (config = {}, ...rest) {
    const pc = new Native(${relay} ? { ...config, iceTransportPolicy: 'relay' } : config, ...rest);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})();`;

async function page({ relay = false } = {}) {
  const p = await newPage(browser);
  cleanup.add(() => p.context().close());
  await p.context().addInitScript(RECORD(relay));
  return p;
}

async function owner() {
  if (ownerPage && !ownerPage.isClosed()) return ownerPage;
  ownerPage = await page();
  await signIn(ownerPage, server.url, { secret: server.totpSecret() });
  return ownerPage;
}

/** The owner invites a patient, who signs in through the mailed link in a context of their own. */
async function patient(name, { relay = false } = {}) {
  const email = uniqueEmail(name.split(' ')[0].toLowerCase());
  const o = await owner();
  await visit(o, `${server.url}/admin/patients`);
  await o.locator('[name="name"]').fill(name);
  await o.locator('[name="email"]').fill(email);
  await o.locator('[name="time_zone"]').fill('Europe/London');
  assert.equal((await submitAndGetPostResponse(o, 'Send the invitation')).status(), 303);
  const mail = await sink.waitFor((m) => m.envelopeTo.includes(email) && /\/signin\//.test(m.text), 30_000);
  const link = mail.text.match(/https?:\/\/\S+\/signin\/[0-9a-f]{64}/)[0];
  const p = await page({ relay });
  await visit(p, link);
  assert.equal((await submitAndGetPostResponse(p, 'Sign in')).status(), 303);
  return { name, email, page: p };
}

/** Berlin wall-clock date and time (the demo therapist's zone) `minutes` from now, on the 5-minute grid. */
function berlin(minutes) {
  const at = new Date(Math.ceil((Date.now() + minutes * 60_000) / 300_000) * 300_000);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(at).map((x) => [x.type, x.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** The owner books a session with `who` starting in about `minutes`; answers the room's id. */
async function session(who, minutes = 2) {
  const o = await owner();
  const { date, time } = berlin(minutes);
  await visit(o, `${server.url}/admin/calendar?day=${date}`);
  const add = o.locator('form[action="/admin/calendar/appointments"]');
  await add.locator('[name="case"]').selectOption({ label: who.name });
  await add.locator('[name="kind"]').selectOption('session');
  await add.locator('[name="date"]').fill(date);
  await add.locator('[name="time"]').fill(time);
  await add.locator('[name="clash"]').check();
  const res = await submitAndGetPostResponse(o, 'Add the appointment');
  assert.equal(res.status(), 303, `adding a session at ${date} ${time}: ${await o.locator('.error-summary').innerText().catch(() => '')}`);
  await visit(o, `${server.url}/admin/calendar?day=${date}`);
  const href = await o.locator('li', { hasText: who.name }).locator('a[href^="/rooms/"]').last().getAttribute('href');
  return href.split('/').pop();
}

async function enter(p, room, base = server.url) {
  await visit(p, `${base}/rooms/${room}`);
}

async function statusKey(p) {
  return p.locator('#room-status').getAttribute('data-key');
}

async function waitStatus(p, key, timeout = 20_000) {
  await p.waitForFunction((k) => document.getElementById('room-status')?.dataset.key === k, key, { timeout });
}

/** Waits until the page has `n` connected peers, each showing moving video. */
async function waitConnected(p, n = 1, timeout = 30_000) {
  await p.waitForFunction((n) => {
    const remotes = [...document.querySelectorAll('.room-remote')];
    return remotes.length === n && remotes.every((r) => r.dataset.state === 'connected'
      && r.querySelector('video').videoWidth > 0
      && r.querySelector('video').getVideoPlaybackQuality().totalVideoFrames > 3);
  }, n, { timeout, polling: 250 });
}

/** Bytes received over all of the page's live peer connections. */
async function bytesIn(p) {
  return p.evaluate(async () => {
    let total = 0;
    for (const pc of window.__pcs.filter((c) => c.connectionState === 'connected')) {
      (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp') total += r.bytesReceived || 0; });
    }
    return total;
  });
}

/** The local candidate type of each connection's selected pair ('host', 'srflx', 'relay'). */
async function pathTypes(p) {
  return p.evaluate(async () => {
    const types = [];
    for (const pc of window.__pcs.filter((c) => c.connectionState === 'connected')) {
      const stats = await pc.getStats();
      stats.forEach((r) => {
        if (r.type === 'transport' && r.selectedCandidatePairId) {
          const pair = stats.get(r.selectedCandidatePairId);
          types.push(stats.get(pair?.localCandidateId)?.candidateType);
        }
      });
    }
    return types;
  });
}

async function letIn(therapistPage, who) {
  const button = therapistPage.locator('#room-people li', { hasText: who.name }).getByRole('button', { name: 'Let in' });
  await button.waitFor({ timeout: 20_000 });
  await button.click();
}

test('waiting room, admission, video both ways, a reload that recovers by itself, axe-clean', async () => {
  const axe = new AxeReport();
  const pat = await patient('Pat Meadow');
  const room = await session(pat);

  await enter(pat.page, room);
  await waitStatus(pat.page, 'room-waiting');
  assert.match(await pat.page.locator('#room-status').innerText(), /Your therapist will let you in/);
  await axe.check(pat.page, 'the waiting room (patient)');

  const o = await owner();
  await enter(o, room);
  await letIn(o, pat);
  await axe.check(o, 'the room (therapist, someone waiting)');

  await waitConnected(pat.page);
  await waitConnected(o);
  await waitStatus(pat.page, 'room-connected');
  const before = await bytesIn(o);
  await o.waitForTimeout(2000);
  assert.ok(await bytesIn(o) > before, 'the therapist keeps receiving media');
  await axe.check(pat.page, 'the room in a call (patient)');

  // The patient reloads mid-call: no action of the therapist's is needed to get the call back.
  await pat.page.reload({ waitUntil: 'load' });
  await waitConnected(pat.page);
  await waitConnected(o);
  const again = await bytesIn(pat.page);
  await pat.page.waitForTimeout(2000);
  assert.ok(await bytesIn(pat.page) > again, 'media flows again after the reload');

  // The chat reaches the other side.
  await o.locator('#room-chat-text').fill('Can you hear me well?');
  await o.getByRole('button', { name: 'Send', exact: true }).click();
  await pat.page.locator('#room-chat-lines li', { hasText: 'Can you hear me well?' }).waitFor();

  // Sent back to the waiting room, then the end of the session.
  await o.locator('#room-people li', { hasText: pat.name }).getByRole('button', { name: 'Send back to the waiting room' }).click();
  await waitStatus(pat.page, 'room-waiting');
  assert.equal(await pat.page.locator('.room-remote').count(), 0, 'a patient sent back sees nobody');
  await letIn(o, pat);
  await waitConnected(pat.page);
  await o.getByRole('button', { name: 'End the session' }).click();
  await waitStatus(pat.page, 'room-ended');
  axe.assertClean(assert);
});

test('through the TURN relay only, with credentials minted by holdspace', async () => {
  const pat = await patient('Robin Relay', { relay: true });
  const room = await session(pat);
  const o = await page({ relay: true });
  await signIn(o, server.url, { secret: server.totpSecret() });
  const allocationsBefore = turn.allocations();
  await enter(pat.page, room);
  await enter(o, room);
  await letIn(o, pat);
  await waitConnected(pat.page);
  await waitConnected(o);
  assert.deepEqual(await pathTypes(o), ['relay'], 'the call goes through the relay');
  assert.ok(turn.allocations() > allocationsBefore, `coturn allocated relays:\n${turn.output.slice(-2000)}`);
  const before = await bytesIn(pat.page);
  await pat.page.waitForTimeout(1500);
  assert.ok(await bytesIn(pat.page) > before, 'media flows through the relay');
  await o.close();
});

test('refused at the socket: nobody signed in, a patient of another session, anyone before the room opens', async () => {
  const pat = await patient('Alex Early');
  const later = await session(pat, 120);
  const other = await patient('Sky Other');
  const now = await session(other);

  await enter(pat.page, later);
  assert.match(await pat.page.locator('main').innerText(), /The room opens at/);
  assert.equal(await pat.page.locator('#room-status').count(), 0, 'no call before the room opens');

  const opens = (p, room) => p.evaluate((url) => new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.onopen = () => { ws.close(); resolve(true); };
    ws.onerror = () => resolve(false);
  }), `${server.url.replace('http', 'ws')}/rooms/${room}/ws`);
  assert.equal(await opens(pat.page, later), false, 'before the room opens');
  assert.equal(await opens(pat.page, now), false, "another patient's room");
  const anonymous = await page();
  await visit(anonymous, `${server.url}/tech-check`);
  assert.equal(await opens(anonymous, now), false, 'nobody signed in');
  assert.equal(await opens(other.page, now), true, 'while its own patient gets in');
});

test('three people: every pair connects', async () => {
  const a = await patient('Jo Partner');
  const b = await patient('Kim Partner');
  const room = await session(a);
  const o = await owner();
  await visit(o, `${server.url}/admin/calendar`);
  const guest = o.locator(`form[action="/admin/calendar/${room}/guests"]`);
  await guest.locator('[name="email"]').fill(b.email);
  await Promise.all([o.waitForNavigation({ waitUntil: 'load' }), guest.getByRole('button', { name: 'Invite' }).click()]);

  await enter(a.page, room);
  await enter(b.page, room);
  await enter(o, room);
  await letIn(o, a);
  await letIn(o, b);
  await waitConnected(o, 2);
  await waitConnected(a.page, 2);
  await waitConnected(b.page, 2);
});

test('two instances on one PostgreSQL database carry one call', async (t) => {
  if (!usePostgres()) {
    t.skip('several instances need PostgreSQL (the suite runs this under E2E_DATABASE=postgres)');
    return;
  }
  const second = new Server({ env: turn.env(), label: 'second instance' });
  second.dataDir = server.dataDir; // the same master key
  second.database = server.database;
  await second.start();
  cleanup.add(() => second.stop());

  const pat = await patient('Noor Twin');
  const room = await session(pat);
  await enter(pat.page, room, second.url);
  const o = await owner();
  await enter(o, room, server.url);
  await letIn(o, pat);
  await waitConnected(pat.page);
  await waitConnected(o);
  assert.equal(await statusKey(pat.page), 'room-connected');
});
