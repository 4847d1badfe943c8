// The video room, measured in one run on this machine:
//  1. From the therapist's "Let in" to both pages connected with moving video, median of 10, next to
//     two peer connections in one page that signal to each other inside the page (the limit: the
//     same browser, media and ICE/DTLS, with no server and no network hop for signaling).
//  2. The server's resident memory with 5,000 idle signaling sockets, next to its memory idle.
// Budgets (DESIGN.md): connected < 1 s after both are in the room; 5,000 idle sockets < 300 MB.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { startServer } from '../e2e/lib/server.js';
import { startSmtpSink } from '../e2e/lib/smtp.js';
import { launchBrowser, visit } from '../e2e/lib/browser.js';
import { RoomWorld, waitConnected, letIn, waitStatus, berlin, sendBack } from '../e2e/lib/room.js';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const WebSocket = require('ws');

const RUNS = Number(process.env.RUNS || 10);
const SOCKETS = Number(process.env.SOCKETS || 5000);

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const rssMb = async (pid) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+) kB/)[1]) / 1024;
};

const cleanups = [];
const cleanup = { add: (fn) => cleanups.push(fn) };

async function main() {
  const sink = await startSmtpSink();
  cleanups.push(() => sink.close());
  const server = await startServer({ demo: true, smtpPort: sink.port, label: 'bench' });
  cleanups.push(() => server.dispose());
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  const world = new RoomWorld({ server, sink, browser, cleanup });

  // 1a. The room: admit, wait for both sides connected, send back, again.
  const pat = await world.patient('Bench Patient');
  const room = await world.session(pat);
  const o = await world.owner();
  await world.enter(pat.page, room);
  await world.enter(o, room);
  const roomTimes = [];
  for (let i = 0; i < RUNS; i++) {
    await waitStatus(pat.page, 'room-waiting');
    const t0 = performance.now();
    await letIn(o, pat);
    await Promise.all([waitConnected(pat.page, 1, { polling: 10 }), waitConnected(o, 1, { polling: 10 })]);
    roomTimes.push(performance.now() - t0);
    await sendBack(o, pat);
  }

  // 1b. The limit: two connections in one page, offer/answer/candidates handed over in the page.
  const lab = await world.page();
  await visit(lab, `${server.url}/tech-check`);
  const limitTimes = [];
  for (let i = 0; i < RUNS; i++) {
    limitTimes.push(await lab.evaluate(async () => {
      const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      const t0 = performance.now();
      const a = new RTCPeerConnection();
      const b = new RTCPeerConnection();
      a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
      b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
      for (const t of media.getTracks()) a.addTrack(t, media);
      const video = document.createElement('video');
      video.muted = true;
      b.ontrack = (e) => { video.srcObject = e.streams[0]; video.play().catch(() => {}); };
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription);
      for (const t of media.getTracks()) b.addTrack(t, media);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription);
      await new Promise((resolve) => {
        const check = () => (a.connectionState === 'connected' && b.connectionState === 'connected'
          && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 3
          ? resolve() : setTimeout(check, 10));
        check();
      });
      const ms = performance.now() - t0;
      a.close(); b.close();
      for (const t of media.getTracks()) t.stop();
      return ms;
    }));
  }
  const roomMs = median(roomTimes);
  const limitMs = median(limitTimes);
  console.log(`admit → connected (median of ${RUNS}): ${roomMs.toFixed(0)} ms; in-page signaling (the limit): ${limitMs.toFixed(0)} ms; ratio ${(roomMs / limitMs).toFixed(2)}x  [budget: < 1000 ms]`);
  await pat.page.close();
  await o.goto(`${server.url}/admin`);

  // 2. Idle sockets: the therapist in SOCKETS rooms at once (one per appointment, as a host).
  const { date, time } = berlin(2);
  await visit(o, `${server.url}/admin/calendar?day=${date}`);
  const add = o.locator('form[action="/admin/calendar/appointments"]');
  const caseId = await add.locator('[name="case"] option', { hasText: pat.name }).getAttribute('value');
  const csrf = await add.locator('[name="csrf"]').inputValue();
  const cookies = (await o.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  for (let i = 0; i < SOCKETS; i++) {
    const res = await o.request.post(`${server.url}/admin/calendar/appointments`, {
      form: { csrf, case: caseId, kind: 'session', date, time, clash: 'on' }, maxRedirects: 0,
    });
    if (res.status() !== 303) throw new Error(`adding appointment ${i}: ${res.status()}`);
  }
  const calendar = await (await o.request.get(`${server.url}/admin/calendar?day=${date}`)).text();
  // The calendar links each appointment's own page, whose id is the room's.
  const rooms = [...new Set(calendar.match(/\/admin\/calendar\/[0-9a-f]{32}/g) || [])].map((h) => h.split('/').pop());
  if (rooms.length < SOCKETS) throw new Error(`the calendar shows ${rooms.length} of the ${SOCKETS} appointments added`);
  const idle = await rssMb(server.child.pid);
  const sockets = [];
  const wsUrl = server.url.replace('http', 'ws');
  for (let i = 0; i < rooms.length; i += 100) {
    await Promise.all(rooms.slice(i, i + 100).map((id) => new Promise((resolve, reject) => {
      const ws = new WebSocket(`${wsUrl}/rooms/${id}/ws`, { headers: { cookie: cookies, origin: server.url } });
      ws.on('open', () => { sockets.push(ws); resolve(); });
      ws.on('error', reject);
    })));
  }
  await new Promise((r) => setTimeout(r, 3000));
  const loaded = await rssMb(server.child.pid);
  console.log(`idle server: ${idle.toFixed(1)} MB; with ${sockets.length} idle signaling sockets: ${loaded.toFixed(1)} MB (+${(loaded - idle).toFixed(1)} MB, ${((loaded - idle) * 1024 / sockets.length).toFixed(1)} kB each); ratio ${(loaded / idle).toFixed(2)}x  [budget: < 300 MB]`);
  for (const ws of sockets) ws.terminate();
}

try {
  await main();
} finally {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
}
