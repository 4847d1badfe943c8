// The room as its people see it, at a phone's, a tablet's and a laptop's size (and the narrowest phone,
// a phone on its side and a large screen): the other person's picture stays inside the viewport, every
// button of the control bar is on screen without scrolling, nothing scrolls sideways; the waiting room,
// the call, the chat and the end-of-session question are clean for axe; a message read nowhere yet shows
// as an unread count on the chat button; ending the session asks first; three people share a grid that
// keeps each picture large, with each person's name on their tile. Screenshots go to e2e/.artifacts/.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack } from '../lib/harness.js';
import { RoomWorld, waitStatus, waitConnected, letIn } from '../lib/room.js';

const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

// The three sizes the issue names first; then the narrowest phone, a phone on its side, a large screen.
const SIZES = [[390, 844], [768, 1024], [1280, 800], [320, 568], [844, 390], [1920, 1080]];

const cleanup = cleanupStack();
let world;

before(async () => {
  const sink = cleanup.keep(await startSmtpSink());
  const server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, label: 'room layout (demo)' }));
  const browser = cleanup.keep(await launchBrowser());
  world = new RoomWorld({ server, sink, browser, cleanup });
});

/** Lets the page lay itself out after a resize (two frames: the resize handler, then the paint). */
const settle = (p) => p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** Where the room's parts are, and whether each lies inside the viewport. */
async function geometry(p) {
  return p.evaluate(() => {
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return {
        x: r.x, y: r.y, w: r.width, h: r.height, name: el.getAttribute('aria-label') || el.textContent.trim(),
        inside: r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= vw + 0.5 && r.bottom <= vh + 0.5,
      };
    };
    return {
      vw,
      vh,
      scrollWidth: document.documentElement.scrollWidth,
      scrollHeight: document.documentElement.scrollHeight,
      remotes: [...document.querySelectorAll('.room-remote video')].map(box),
      names: [...document.querySelectorAll('.room-remote .room-name')].map((n) => n.textContent.trim()),
      tools: [...document.querySelectorAll('.room-bar .room-tool')].filter((b) => !b.hidden).map(box),
      self: box(document.getElementById('room-self-tile')),
    };
  });
}

function assertFits(g, who, size, remotes) {
  const where = `${who} at ${size}`;
  assert.ok(g.scrollWidth <= g.vw, `${where}: no sideways scroll (${g.scrollWidth} > ${g.vw})`);
  assert.ok(g.scrollHeight <= g.vh, `${where}: the call does not scroll (${g.scrollHeight} > ${g.vh})`);
  assert.equal(g.remotes.length, remotes, `${where}: ${remotes} other picture(s)`);
  for (const r of g.remotes) assert.ok(r.inside, `${where}: the picture of ${r.name} lies inside the viewport: ${JSON.stringify(r)}`);
  assert.ok(g.tools.length >= 6, `${where}: the control bar has its buttons (${g.tools.map((t) => t.name)})`);
  for (const t of g.tools) assert.ok(t.inside, `${where}: "${t.name}" is on screen without scrolling: ${JSON.stringify(t)}`);
  assert.ok(g.self.inside, `${where}: one's own picture lies inside the viewport`);
}

test('a call at every size: the picture and the controls on screen, no scrolling; axe-clean waiting room, call, chat and end question', async () => {
  const axe = new AxeReport();
  const pat = await world.patient('Mira Fields', { context: { viewport: { width: 390, height: 844 }, hasTouch: true } });
  const room = await world.session(pat);

  await world.enter(pat.page, room);
  await waitStatus(pat.page, 'room-waiting');
  assert.equal(await pat.page.locator('#room').getAttribute('data-view'), 'waiting');
  const waiting = await pat.page.locator('.room-info').innerText();
  assert.match(waiting, /Your therapist will let you in/);
  assert.match(waiting, /technical problem/, 'the practice\'s help line is on the waiting page');
  assert.equal(await pat.page.getByRole('meter', { name: 'Your microphone' }).count(), 1, 'a microphone level');
  assert.equal(await pat.page.locator('header nav, a[href="/book"]').count(), 0, 'no site navigation in the room');
  await pat.page.screenshot({ path: path.join(ARTIFACTS, 'room-waiting-390x844.png') });
  await axe.check(pat.page, 'the waiting room (patient, 390×844)');

  const o = await world.owner();
  await world.enter(o, room);
  // Someone waiting: the list says so, and so does the tab's title.
  await o.locator('#room-waiting-count', { hasText: '1' }).waitFor();
  assert.match(await o.title(), /^\(1\) Someone is waiting/);
  await axe.check(o, 'the room (therapist, someone waiting)');
  await letIn(o, pat);
  await waitConnected(pat.page);
  await waitConnected(o);
  assert.doesNotMatch(await o.title(), /waiting/, 'the title is plain again once nobody waits');
  await pat.page.locator('#room-quality:not([hidden])').waitFor();
  assert.match(await pat.page.locator('#room-quality').innerText(), /good|fair|poor/, 'the connection\'s quality in words');

  for (const [w, h] of SIZES) {
    const size = `${w}×${h}`;
    for (const p of [pat.page, o]) await p.setViewportSize({ width: w, height: h });
    for (const p of [pat.page, o]) await settle(p);
    assertFits(await geometry(pat.page), 'the patient', size, 1);
    assertFits(await geometry(o), 'the therapist', size, 1);
    await pat.page.screenshot({ path: path.join(ARTIFACTS, `room-${w}x${h}.png`) });
    await o.screenshot({ path: path.join(ARTIFACTS, `room-therapist-${w}x${h}.png`) });
  }

  await pat.page.setViewportSize({ width: 390, height: 844 });
  await o.setViewportSize({ width: 1280, height: 800 });
  await axe.check(pat.page, 'the call (patient, 390×844)');
  await axe.check(o, 'the call (therapist, 1280×800)');

  // A chat line while the patient's chat is closed: an unread count on its button, gone once opened.
  const chat = pat.page.locator('#room-chat-open');
  assert.equal(await chat.getAttribute('aria-expanded'), 'false');
  assert.equal(await pat.page.locator('#room-unread').isVisible(), false, 'nothing unread yet');
  await o.locator('#room-chat-open').click();
  await o.locator('#room-chat-text').fill('I can see you well.');
  await o.getByRole('button', { name: 'Send', exact: true }).click();
  await o.locator('#room-chat-text').fill('Take your time.');
  await o.locator('#room-chat-text').press('Enter');
  await pat.page.locator('#room-unread', { hasText: '2' }).waitFor();
  assert.equal(await pat.page.getByRole('button', { name: 'Chat 2 unread messages' }).count(), 1, 'the count is in the button\'s name');
  assert.equal(await o.locator('#room-unread').isVisible(), false, 'one\'s own open chat counts nothing');
  await chat.click();
  assert.equal(await chat.getAttribute('aria-expanded'), 'true');
  await pat.page.locator('#room-chat-lines li', { hasText: 'Take your time.' }).waitFor();
  assert.equal(await pat.page.locator('#room-unread').isVisible(), false, 'read once the chat is open');
  assert.equal(await pat.page.evaluate(() => document.activeElement?.id), 'room-chat-text', 'the chat opens at its text field');
  const sheet = await pat.page.locator('#room-chat').boundingBox();
  const bar = await pat.page.locator('#room-bar').boundingBox();
  assert.ok(sheet.y + sheet.height <= bar.y + 0.5, 'on a phone the chat is a sheet above the control bar');
  assert.ok(sheet.width >= 389, 'as wide as the phone');
  assertFits(await geometry(pat.page), 'the patient with the chat open', '390×844', 1);
  await pat.page.screenshot({ path: path.join(ARTIFACTS, 'room-chat-390x844.png') });
  await axe.check(pat.page, 'the chat sheet (patient, 390×844)');
  const panel = await o.locator('#room-chat').boundingBox();
  const remote = await o.locator('.room-remote video').boundingBox();
  assert.ok(panel.x >= remote.x + remote.width - 0.5, 'on a laptop the chat is a panel beside the picture, not over it');
  await o.screenshot({ path: path.join(ARTIFACTS, 'room-chat-1280x800.png') });
  await axe.check(o, 'the chat panel (therapist, 1280×800)');
  await pat.page.keyboard.press('Escape');
  assert.equal(await chat.getAttribute('aria-expanded'), 'false', 'Escape closes the sheet');
  assert.equal(await pat.page.evaluate(() => document.activeElement?.id), 'room-chat-open', 'and focus returns to its button');

  // One's own picture: another corner by button and by arrow key, and hidden.
  const corner = () => pat.page.locator('#room-self-tile').getAttribute('data-corner');
  assert.equal(await corner(), 'br');
  await pat.page.getByRole('button', { name: 'Move my picture to another corner' }).click();
  assert.equal(await corner(), 'bl');
  await pat.page.keyboard.press('ArrowUp');
  assert.equal(await corner(), 'tl');
  assertFits(await geometry(pat.page), 'the patient, own picture top left', '390×844', 1);
  await pat.page.getByRole('button', { name: 'Hide my picture' }).click();
  assert.equal(await pat.page.locator('#room-self').isVisible(), false, 'hidden');
  await pat.page.getByRole('button', { name: 'Show my picture' }).click();
  assert.equal(await pat.page.locator('#room-self').isVisible(), true, 'shown again');

  // Mute is a toggle that keeps its words and says its state.
  const mute = pat.page.getByRole('button', { name: 'Mute', exact: true });
  await mute.click();
  assert.equal(await mute.getAttribute('aria-pressed'), 'true');
  assert.equal(await pat.page.evaluate(() => document.getElementById('room-self').srcObject.getAudioTracks()[0].enabled), false);
  await mute.press('Space');
  assert.equal(await mute.getAttribute('aria-pressed'), 'false', 'operable by keyboard');

  // Ending the session asks first; "keep going" keeps it going.
  await o.getByRole('button', { name: 'End the session', exact: true }).click();
  const ask = o.getByRole('dialog', { name: 'End the session for everyone?' });
  await ask.waitFor();
  await axe.check(o, 'the end-of-session question');
  await ask.getByRole('button', { name: 'Keep the session going' }).click();
  assert.equal(await ask.isVisible(), false);
  assert.equal(await pat.page.locator('#room-status').getAttribute('data-key'), 'room-connected', 'still in the call');
  assert.equal(await pat.page.locator('.room-remote').count(), 1);
  await o.getByRole('button', { name: 'End the session', exact: true }).click();
  await ask.getByRole('button', { name: 'Yes, end it now' }).click();
  await waitStatus(pat.page, 'room-ended');
  assert.equal(await pat.page.locator('#room').getAttribute('data-view'), 'ended');
  await pat.page.setViewportSize({ width: 390, height: 844 });
  await pat.page.screenshot({ path: path.join(ARTIFACTS, 'room-ended-390x844.png') });
  axe.assertClean(assert);
});

test('three people: a grid that keeps each picture large, each with its name', async () => {
  const a = await world.patient('Jo Harbour');
  const b = await world.patient('Kim Harbour');
  const room = await world.session(a);
  await world.invite(room, b);
  const o = await world.owner();
  await world.enter(a.page, room);
  await world.enter(b.page, room);
  await world.enter(o, room);
  await o.locator('#room-waiting-count', { hasText: '2' }).waitFor();
  await letIn(o, a);
  await letIn(o, b);
  await waitConnected(o, 2);
  await waitConnected(a.page, 2);
  await waitConnected(b.page, 2);

  const axe = new AxeReport();
  for (const [w, h] of [[390, 844], [1280, 800], [844, 390]]) {
    await o.setViewportSize({ width: w, height: h });
    await settle(o);
    const g = await geometry(o);
    assertFits(g, 'the therapist with two others', `${w}×${h}`, 2);
    assert.deepEqual([...g.names].sort(), ['Jo Harbour', 'Kim Harbour'], 'each tile carries its person\'s name');
    const [p, q] = g.remotes;
    const apart = p.x + p.w <= q.x + 0.5 || q.x + q.w <= p.x + 0.5 || p.y + p.h <= q.y + 0.5 || q.y + q.h <= p.y + 0.5;
    assert.ok(apart, `${w}×${h}: the tiles do not overlap`);
    // Large: each tile takes at least a third of the screen's area (two pictures, a header and a bar).
    for (const r of g.remotes) assert.ok(r.w * r.h >= (w * h) / 3.5, `${w}×${h}: ${r.name}'s tile is large: ${JSON.stringify(r)}`);
    await o.screenshot({ path: path.join(ARTIFACTS, `room-three-${w}x${h}.png`) });
  }
  const names = await a.page.locator('.room-remote .room-name').allInnerTexts();
  assert.deepEqual(names.sort(), ['Dr. Anna Lindqvist', 'Kim Harbour'].sort(), 'the patient sees both others by name');
  await axe.check(o, 'the three-person call (therapist)');
  axe.assertClean(assert);
});
