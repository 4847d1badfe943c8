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
import { launchBrowser, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, signIn } from '../lib/harness.js';
import { RoomWorld, statusKey, waitStatus, waitConnected, bytesIn, pathTypes, letIn, sendBack } from '../lib/room.js';
import { sensitive } from '../lib/privacy.js';

const cleanup = cleanupStack();
let server;
let sink;
let turn;
let browser;
let world;

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  turn = await new Turn().start();
  cleanup.add(() => turn.stop());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, env: turn.env(), label: 'room (demo, coturn)' }));
  browser = cleanup.keep(await launchBrowser());
  world = new RoomWorld({ server, sink, browser, cleanup });
});

const page = (opts) => world.page(opts);
const owner = () => world.owner();
const patient = (name, opts) => world.patient(name, opts);
const session = (who, minutes) => world.session(who, minutes);
const enter = (p, room, base) => world.enter(p, room, base);

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
  await o.getByRole('button', { name: 'Chat', exact: true }).click();
  await o.locator('#room-chat-text').fill(sensitive('Can you hear me well?'));
  await o.getByRole('button', { name: 'Send', exact: true }).click();
  await pat.page.locator('#room-chat-lines li', { hasText: 'Can you hear me well?' }).waitFor({ state: 'attached' });

  // Sent back to the waiting room, then the end of the session.
  await sendBack(o, pat);
  await waitStatus(pat.page, 'room-waiting');
  assert.equal(await pat.page.locator('.room-remote').count(), 0, 'a patient sent back sees nobody');
  await letIn(o, pat);
  await waitConnected(pat.page);
  await o.getByRole('button', { name: 'End the session', exact: true }).click();
  await o.getByRole('dialog').getByRole('button', { name: 'Yes, end it now' }).click();
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
  await world.invite(room, b);
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
