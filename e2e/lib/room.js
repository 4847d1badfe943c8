// The video room's plumbing for the e2e suite and the bench: people in browser contexts of their own,
// sessions booked by the demo therapist, and waits on what the room's page shows.
import assert from 'node:assert/strict';
import { newPage, visit } from './browser.js';
import { uniqueEmail, signIn, submitAndGetPostResponse } from './harness.js';
import { serverNowMs } from './clock.js';

// Every peer connection a page makes is kept where a test can read its statistics; with `relay`,
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

/** Berlin wall-clock date and time (the demo therapist's zone) `minutes` from the server's now, on the 5-minute grid. */
export function berlin(minutes) {
  const at = new Date(Math.ceil((serverNowMs() + minutes * 60_000) / 300_000) * 300_000);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(at).map((x) => [x.type, x.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** The demo practice's owner and their patients, in one browser, against one server. */
export class RoomWorld {
  constructor({ server, sink, browser, cleanup }) {
    Object.assign(this, { server, sink, browser, cleanup });
    this.ownerPage = null;
  }

  async page({ relay = false, context = {} } = {}) {
    const p = await newPage(this.browser, context);
    this.cleanup.add(() => p.context().close());
    await p.context().addInitScript(RECORD(relay));
    return p;
  }

  async owner() {
    if (this.ownerPage && !this.ownerPage.isClosed()) return this.ownerPage;
    this.ownerPage = await this.page();
    await signIn(this.ownerPage, this.server.url, { secret: this.server.totpSecret() });
    return this.ownerPage;
  }

  /** The owner invites a patient, who signs in through the mailed link in a context of their own. */
  async patient(name, { relay = false, context = {} } = {}) {
    const email = uniqueEmail(name.split(' ')[0].toLowerCase());
    const o = await this.owner();
    await visit(o, `${this.server.url}/admin/patients`);
    await o.locator('[name="name"]').fill(name);
    await o.locator('[name="email"]').fill(email);
    await o.locator('[name="time_zone"]').fill('Europe/London');
    assert.equal((await submitAndGetPostResponse(o, 'Send the invitation')).status(), 303);
    const mail = await this.sink.waitFor((m) => m.envelopeTo.includes(email) && /\/signin\//.test(m.text), 30_000);
    const link = mail.text.match(/https?:\/\/\S+\/signin\/[0-9a-f]{64}/)[0];
    const p = await this.page({ relay, context });
    await visit(p, link);
    assert.equal((await submitAndGetPostResponse(p, 'Sign in')).status(), 303);
    return { name, email, page: p };
  }

  /** The owner books a session with `who` starting in about `minutes`; answers the room's id. */
  async session(who, minutes = 2) {
    const o = await this.owner();
    const { date, time } = berlin(minutes);
    await visit(o, `${this.server.url}/admin/calendar?day=${date}`);
    const add = o.locator('form[action="/admin/calendar/appointments"]');
    const caseId = await add.locator('[name="case"] option', { hasText: who.name }).getAttribute('value');
    // Posted as the form would be, with its token; the answer is the redirect itself.
    const res = await o.request.post(`${this.server.url}/admin/calendar/appointments`, {
      form: { csrf: await add.locator('[name="csrf"]').inputValue(), case: caseId, kind: 'session', date, time, clash: 'on' },
      maxRedirects: 0,
    });
    assert.equal(res.status(), 303, `adding a session at ${date} ${time}: ${res.status()}`);
    await visit(o, `${this.server.url}/admin/calendar?day=${date}`);
    // The week's grid links each appointment's own page, whose id is the room's.
    const href = await o.locator('a.cal-item', { hasText: who.name }).last().getAttribute('href');
    return href.split('/').pop();
  }

  /** The owner invites `who`, another of their patients, into the session `room` (a partner). */
  async invite(room, who) {
    const o = await this.owner();
    await visit(o, `${this.server.url}/admin/calendar/${room}`);
    const guest = o.locator(`form[action="/admin/calendar/${room}/guests"]`);
    await guest.locator('[name="email"]').fill(who.email);
    await Promise.all([o.waitForNavigation({ waitUntil: 'load' }), guest.getByRole('button', { name: 'Invite' }).click()]);
  }

  async enter(p, room, base = this.server.url) {
    await visit(p, `${base}/rooms/${room}`);
  }
}

export async function statusKey(p) {
  return p.locator('#room-status').getAttribute('data-key');
}

export async function waitStatus(p, key, timeout = 20_000) {
  await p.waitForFunction((k) => document.getElementById('room-status')?.dataset.key === k, key, { timeout });
}

/** Waits until the page has `n` connected peers, each showing moving video. */
export async function waitConnected(p, n = 1, { timeout = 30_000, polling = 250 } = {}) {
  await p.waitForFunction((n) => {
    const remotes = [...document.querySelectorAll('.room-remote')];
    return remotes.length === n && remotes.every((r) => r.dataset.state === 'connected'
      && r.querySelector('video').videoWidth > 0
      && r.querySelector('video').getVideoPlaybackQuality().totalVideoFrames > 3);
  }, n, { timeout, polling });
}

/** Bytes received over all of the page's live peer connections. */
export async function bytesIn(p) {
  return p.evaluate(async () => {
    let total = 0;
    for (const pc of window.__pcs.filter((c) => c.connectionState === 'connected')) {
      (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp') total += r.bytesReceived || 0; });
    }
    return total;
  });
}

/** The local candidate type of each connection's selected pair ('host', 'srflx', 'relay'). */
export async function pathTypes(p) {
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

/** The therapist lets `who` in from the waiting-room list. */
export async function letIn(therapistPage, who) {
  const button = therapistPage.locator('#room-people li', { hasText: who.name }).getByRole('button', { name: 'Let in' });
  await button.waitFor({ timeout: 20_000 });
  await button.click();
}

/** The therapist sends `who` back to the waiting room, opening the folded waiting-room list first. */
export async function sendBack(therapistPage, who) {
  const lobby = therapistPage.locator('#room-lobby');
  if (!(await lobby.evaluate((d) => d.open))) await lobby.locator('summary').click();
  await therapistPage.locator('#room-people li', { hasText: who.name }).getByRole('button', { name: 'Send back to the waiting room' }).click();
}
