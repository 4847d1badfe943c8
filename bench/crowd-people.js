// The people of the crowd bench, over plain HTTP as their browsers would speak it: a cookie jar per
// person, forms posted with their CSRF token and a same-origin Origin, the therapist signed in with
// password and TOTP, patients invited and signed in through the mailed link, each with a session.
import { createRequire } from 'node:module';
import { berlin } from '../e2e/lib/room.js';
import { freshCode } from '../e2e/lib/totp.js';
import { DEMO } from '../e2e/lib/harness.js';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const WebSocket = require('ws');

/** One browser: its cookies, its address (as the proxy passes it on), and the site it talks to. */
export class Browser {
  constructor(base, address) {
    this.base = base;
    this.address = address;
    this.cookies = new Map();
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  keep(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(at + 1).trim());
    }
  }

  headers(extra = {}) {
    return { cookie: this.cookieHeader(), 'x-forwarded-for': this.address, ...extra };
  }

  /** GET a page; answers its text (throws on anything but 200). */
  async page(path) {
    const res = await fetch(`${this.base}${path}`, { headers: this.headers({ 'sec-fetch-site': 'same-origin' }), redirect: 'manual' });
    this.keep(res);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path.replace(/[0-9a-f]{32,}/g, '…')}: ${res.status}`);
    return text;
  }

  /** POST a form as the page would (its CSRF token, same origin); answers the redirect's target. */
  async post(path, fields) {
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: this.headers({
        'content-type': 'application/x-www-form-urlencoded',
        origin: this.base,
        'sec-fetch-site': 'same-origin',
      }),
      body: new URLSearchParams(fields).toString(),
    });
    this.keep(res);
    await res.arrayBuffer();
    if (res.status !== 303) throw new Error(`POST ${path.replace(/[0-9a-f]{32,}/g, '…')}: ${res.status}`);
    return res.headers.get('location');
  }
}

export const csrfOf = (html) => {
  const m = html.match(/name="csrf" value="([^"]+)"/);
  if (!m) throw new Error('the page has no CSRF token');
  return m[1];
};

/** The demo practice's owner, signed in with password and a fresh TOTP code. */
export async function therapist(base, totpSecret) {
  const t = new Browser(base, '10.255.0.1');
  const signin = await t.page('/admin/signin');
  await t.post('/admin/signin', { csrf: csrfOf(signin), next: '', email: DEMO.ownerEmail, password: DEMO.ownerPassword });
  const second = await t.page('/admin/two-factor');
  await t.post('/admin/two-factor', { csrf: csrfOf(second), next: '', code: await freshCode(totpSecret) });
  t.csrf = csrfOf(await t.page('/admin/patients'));
  return t;
}

/**
 * Patient `i`: invited by the therapist, given a session starting at `when` (Berlin wall clock),
 * signed in through the invitation's link; answers the signed-in browser and the room's id, read
 * from the portal as the patient would find it.
 */
export async function patient(base, t, sink, i, when) {
  const email = `crowd-${i}-${Date.now().toString(36)}@example.org`;
  const casePath = await t.post('/admin/patients', { csrf: t.csrf, name: `Crowd Patient ${i}`, email, time_zone: 'Europe/London' });
  const caseId = casePath.split('/').pop();
  await t.post('/admin/calendar/appointments', { csrf: t.csrf, case: caseId, kind: 'session', date: when.date, time: when.time, clash: 'on' });
  const mail = await sink.waitFor((m) => m.envelopeTo.includes(email) && /\/signin\//.test(m.text), 120_000);
  const link = new URL(mail.text.match(/https?:\/\/\S+\/signin\/[0-9a-f]{64}/)[0]);
  const p = new Browser(base, `10.${1 + (i >> 16)}.${(i >> 8) & 255}.${(i & 255) + 1}`);
  const landing = await p.page(link.pathname);
  const portal = await p.post(link.pathname, { csrf: csrfOf(landing) });
  if (portal !== '/portal') throw new Error(`signing in led to ${portal}`);
  const rooms = [...new Set((await p.page('/portal')).match(/\/rooms\/[0-9a-f]{32}/g) || [])];
  if (rooms.length !== 1) throw new Error(`patient ${i}'s portal shows ${rooms.length} rooms`);
  await p.page(rooms[0]); // the room's page, which opens the socket
  return { browser: p, room: rooms[0].slice('/rooms/'.length) };
}

/** When the crowd's sessions start: a few minutes on, so every room is open (from 10 min before). */
export const sessionTime = () => berlin(5);

/**
 * Opens the room's socket as the room's page does and waits for the room to say the patient is
 * waiting; the socket then sits idle, answering the server's pings (the ws client does), as the
 * page does until the therapist lets the patient in. `via` is where the socket goes (the proxy, as
 * the page's own address, unless the bench is told to go to the instances directly).
 */
export function waitInRoom(who, closes, via = who.browser.base) {
  const { browser: p, room } = who;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${via.replace('http', 'ws')}/rooms/${room}/ws`, {
      headers: { cookie: p.cookieHeader(), origin: p.base, 'x-forwarded-for': p.address },
    });
    let me = null;
    ws.on('message', (data) => {
      let msg;
      try { msg = JSON.parse(data.toString()); } catch { return; }
      if (msg.type === 'hello') me = msg.connection;
      if (msg.type === 'state') {
        const self = msg.people.find((x) => x.user === msg.me.user);
        if (me && msg.me.current && !msg.me.admitted && self?.waiting) resolve(ws);
        else reject(new Error(`the room did not show the patient waiting (phase ${msg.phase})`));
      }
    });
    ws.on('close', (code) => { closes.push(code); reject(new Error(`socket closed (${code})`)); });
    ws.on('error', reject);
  });
}
