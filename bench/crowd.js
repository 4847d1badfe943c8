// Many people at once, measured in one run on this machine: two instances of the release binary on
// one fresh PostgreSQL database behind HAProxy (round robin, as README's "Several instances" says).
//  1. PATIENTS patients, each invited, given a session of their own and signed in through the
//     mailed link, each with the room's socket open and waiting to be let in.
//  2. A booking load through the public API (GET /api/v1/slots; POST /api/v1/bookings at a steady
//     pace, each for a time of its own), CONCURRENCY requests at a time for DURATION seconds, while
//     they wait; and the same load without the sockets, before they open and after they close
//     (the anchor: both runs' requests together, so a drift over the run counts on both sides).
//  3. Requests, failures, p50/p99 of the booking API, the ratio to the anchor; resident memory per
//     idle socket on each instance, next to the 11 kB measured by bench/room.sh.
// Budgets (issue 16): no failed request; p99 of the booking API < 100 ms; ~11 kB per idle socket.
import { readFile } from 'node:fs/promises';
import { Server, sleep, usePostgres } from '../e2e/lib/server.js';
import { startSmtpSink } from '../e2e/lib/smtp.js';
import { Haproxy } from '../e2e/lib/haproxy.js';
import { therapist, patient, sessionTime, waitInRoom } from './crowd-people.js';

const PATIENTS = Number(process.env.PATIENTS || 500);
const CONCURRENCY = Number(process.env.CONCURRENCY || 8);
const DURATION = Number(process.env.DURATION || 20);
/** How many people are set up at once (invitation, session, sign-in). */
const SETUP_AT_ONCE = 10;
/** Measured by bench/room.sh (5,000 idle sockets on one instance). */
const MEASURED_BEFORE_KB = 11;
const METRICS_TOKEN = 'crowd-bench-metrics-token-0123456789';

const cleanups = [];

const rssKb = async (pid) => Number((await readFile(`/proc/${pid}/status`, 'utf8')).match(/VmRSS:\s+(\d+) kB/)[1]);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const ms = (x) => `${x.toFixed(1)} ms`;

/** One instance's gauge or counter from /metrics (the sum over its series that start with `name`). */
async function metric(port, name) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await res.text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

/**
 * The server's own view of POST /api/v1/bookings on one instance, from its latency histogram:
 * answers counted, and how many took over 50 and over 100 ms (bucket bounds). Read before and
 * after a run, the difference is that run's; next to the client's numbers it tells the server's
 * time from the queueing in HAProxy and in the bench's own process.
 */
async function serverBookings(port) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const series = 'http_request_duration_seconds_bucket{method="POST",route="/api/v1/bookings",le="';
  const bucket = {};
  for (const l of (await res.text()).split('\n')) {
    if (l.startsWith(series)) bucket[l.slice(series.length).split('"')[0]] = Number(l.split(' ').pop());
  }
  const all = bucket['+Inf'] || 0;
  return { all, over50: all - (bucket['0.05'] || 0), over100: all - (bucket['0.1'] || 0) };
}

/** A booking load, with what the instances' histograms saw of it. */
async function measured(servers, load) {
  const was = await Promise.all(servers.map((s) => serverBookings(s.port)));
  const t = await load();
  const seen = await Promise.all(servers.map((s) => serverBookings(s.port)));
  const d = (k) => seen.reduce((n, x, i) => n + x[k] - was[i][k], 0);
  t.server = { all: d('all'), over50: d('over50'), over100: d('over100') };
  return t;
}

/**
 * The booking load: CONCURRENCY clients, each sending its next request as soon as the last one
 * is answered. A booking is due every DURATION/bookable.length seconds (the times to book last
 * the whole run); every other request reads the slots. Each request comes from an address of its
 * own (through the proxy), as visitors do, so no rate limit is what is measured.
 */
let runs = 0;
async function bookingLoad(base, label, bookable) {
  const tally = { label, slots: [], bookings: [], failed: [] };
  const t0 = performance.now();
  const end = t0 + DURATION * 1000;
  const every = (DURATION * 1000) / Math.max(1, bookable.length);
  let started = 0;
  let n = 0;
  // A fresh email per booking (one person, one case); the run's number keeps the runs apart.
  const run = ++runs;
  const client = async (c) => {
    while (performance.now() < end) {
      n += 1;
      const address = `172.${16 + c}.${(n >> 8) & 255}.${(n & 255) + 1}`;
      const due = started < bookable.length && performance.now() - t0 >= started * every;
      const slot = due ? bookable[started++] : null;
      const at = performance.now();
      try {
        const res = slot
          ? await fetch(`${base}/api/v1/bookings`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
            body: JSON.stringify({ slot_id: slot, name: 'Load Visitor', email: `crowd-load-${run}-${n}@example.org`, consent: true, time_zone: 'Europe/Berlin' }),
          })
          : await fetch(`${base}/api/v1/slots`, { headers: { 'x-forwarded-for': address } });
        await res.arrayBuffer();
        (slot ? tally.bookings : tally.slots).push(performance.now() - at);
        if (res.status !== (slot ? 201 : 200)) tally.failed.push(`${slot ? 'POST bookings' : 'GET slots'} ${res.status}`);
      } catch (e) {
        tally.failed.push(`${slot ? 'POST bookings' : 'GET slots'} ${e.cause?.code || e.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, c) => client(c)));
  tally.seconds = (performance.now() - t0) / 1000;
  return tally;
}

function report(t, anchor) {
  const all = [...t.slots, ...t.bookings];
  const server = t.server ? `; the instances' own histograms: ${t.server.all} bookings answered, ${t.server.over50} over 50 ms, ${t.server.over100} over 100 ms` : '';
  const line = `${t.label}: ${all.length} requests in ${t.seconds.toFixed(1)} s (${(all.length / t.seconds).toFixed(0)}/s; ${t.bookings.length} bookings), ${t.failed.length} failed; `
    + `p50 ${ms(pct(all, 50))}, p99 ${ms(pct(all, 99))} (slots p50 ${ms(pct(t.slots, 50))} p99 ${ms(pct(t.slots, 99))}; bookings p50 ${ms(pct(t.bookings, 50))} p99 ${ms(pct(t.bookings, 99))}, ${t.bookings.filter((x) => x > 100).length} over 100 ms)${server}`;
  if (!anchor) return line;
  const a = [...anchor.slots, ...anchor.bookings];
  return `${line}; ratio to the anchor: p50 ${(pct(all, 50) / pct(a, 50)).toFixed(2)}x, p99 ${(pct(all, 99) / pct(a, 99)).toFixed(2)}x  [budget: 0 failed, p99 < 100 ms]`;
}

async function main() {
  // Two instances share one database only on PostgreSQL (bench/crowd.sh sets this).
  if (!usePostgres()) throw new Error('the crowd bench needs E2E_DATABASE=postgres');
  const sink = await startSmtpSink();
  cleanups.push(() => sink.close());
  const a = new Server({ demo: true, smtpPort: sink.port, label: 'crowd A (demo)' });
  await a.prepare();
  const b = new Server({ smtpPort: sink.port, label: 'crowd B' });
  b.dataDir = a.dataDir; // the same master key
  b.database = a.database;
  await b.prepare();
  const haproxy = new Haproxy([{ name: 'a', port: a.port }, { name: 'b', port: b.port }]);
  await haproxy.start();
  cleanups.push(() => haproxy.stop());
  const env = { HOLDSPACE_PUBLIC_URL: haproxy.url, HOLDSPACE_TRUST_PROXY: 'true', HOLDSPACE_TRUSTED_PROXIES: '127.0.0.1', HOLDSPACE_METRICS_TOKEN: METRICS_TOKEN };
  a.extraEnv = env;
  b.extraEnv = env;
  cleanups.push(() => a.dispose());
  await a.start();
  cleanups.push(() => b.stop());
  await b.start();
  await haproxy.waitStatus('a', 'UP');
  await haproxy.waitStatus('b', 'UP');
  const base = haproxy.url;

  // 1. The crowd: invited, a session each, signed in, the room's page read.
  const t = await therapist(base, a.totpSecret());
  const when = sessionTime();
  const crowd = [];
  const setupStart = performance.now();
  for (let i = 0; i < PATIENTS; i += SETUP_AT_ONCE) {
    const batch = Array.from({ length: Math.min(SETUP_AT_ONCE, PATIENTS - i) }, (_, k) => patient(base, t, sink, i + k, when));
    crowd.push(...await Promise.all(batch));
  }
  console.log(`setup: ${crowd.length} patients invited, each with a session at ${when.time} Berlin time, signed in through the mailed link (${((performance.now() - setupStart) / 1000).toFixed(0)} s)`);

  // The times to book, shared out among the three runs so each books times spread alike.
  const offered = (await (await fetch(`${base}/api/v1/slots`)).json()).slots.map((s) => s.id);
  const share = (k) => offered.filter((_, i) => i % 3 === k);
  console.log(`booking load: ${CONCURRENCY} clients at once for ${DURATION} s per run through HAProxy to both instances; ${offered.length} offered times, ${share(0).length} booked per run`);

  // 2a. The anchor, before the sockets.
  const before = await measured([a, b], () => bookingLoad(base, 'anchor before (no sockets)', share(0)));
  await sleep(2000);
  const rssBefore = { a: await rssKb(a.child.pid), b: await rssKb(b.child.pid) };

  // 2b. The crowd waits in their rooms.
  // In two halves: what the second half adds is the cost of a socket without the first one's
  // fixed costs (runtime threads, allocator arenas, the broker's tables) spread over it.
  // SOCKETS_VIA=direct: every other socket straight to each instance, not through HAProxy.
  const socketsVia = (i) => (process.env.SOCKETS_VIA === 'direct' ? [a, b][i % 2].url : base);
  const closes = [];
  const sockets = [];
  const settled = async () => {
    await sleep(5000);
    return {
      held: { a: await metric(a.port, 'holdspace_room_connections'), b: await metric(b.port, 'holdspace_room_connections') },
      rss: { a: await rssKb(a.child.pid), b: await rssKb(b.child.pid) },
    };
  };
  let half = null;
  const batch = Math.min(50, Math.ceil(crowd.length / 2));
  for (let i = 0; i < crowd.length; i += batch) {
    sockets.push(...await Promise.all(crowd.slice(i, i + batch).map((who, k) => waitInRoom(who, closes, socketsVia(i + k)))));
    if (!half && sockets.length >= crowd.length / 2) half = await settled();
  }
  const { held, rss: rssWith } = await settled();
  const during = await measured([a, b], () => bookingLoad(base, `with ${sockets.length} waiting sockets`, share(1)));
  const stillOpen = sockets.filter((ws) => ws.readyState === ws.OPEN).length;
  const closedDuring = closes.length;

  // 2c. The anchor again, after the sockets closed.
  for (const ws of sockets) ws.close(1000);
  for (let i = 0; i < 100 && (await metric(a.port, 'holdspace_room_connections')) + (await metric(b.port, 'holdspace_room_connections')) > 0; i += 1) await sleep(100);
  const after = await measured([a, b], () => bookingLoad(base, 'anchor after (sockets closed)', share(2)));

  // 3. What was seen.
  const anchor = { label: 'anchor (before and after together)', slots: [...before.slots, ...after.slots], bookings: [...before.bookings, ...after.bookings], failed: [...before.failed, ...after.failed], seconds: before.seconds + after.seconds };
  anchor.server = Object.fromEntries(Object.keys(before.server).map((k) => [k, before.server[k] + after.server[k]]));
  console.log(report(before));
  console.log(report(after));
  console.log(report(anchor));
  console.log(report(during, anchor));
  console.log(`sockets: ${sockets.length} opened, ${stillOpen} still open and waiting after the load, ${closedDuring} closed by the server meanwhile; instance a held ${held.a}, b ${held.b}`);
  for (const k of ['a', 'b']) {
    const kb = (rssWith[k] - rssBefore[k]) / Math.max(1, held[k]);
    const added = (rssWith[k] - half.rss[k]) / Math.max(1, held[k] - half.held[k]);
    console.log(`instance ${k}: RSS ${(rssBefore[k] / 1024).toFixed(1)} MB before the sockets, ${(rssWith[k] / 1024).toFixed(1)} MB with ${held[k]} idle sockets: ${kb.toFixed(1)} kB per socket (measured before: ${MEASURED_BEFORE_KB} kB; ratio ${(kb / MEASURED_BEFORE_KB).toFixed(2)}x); `
      + `the second ${held[k] - half.held[k]} alone: ${added.toFixed(1)} kB each`);
  }
  const spread = await Promise.all([a, b].map((s) => metric(s.port, 'http_requests_total{method="GET",route="/api/v1/slots"')));
  console.log(`spread: GET /api/v1/slots answered by a ${spread[0]}, by b ${spread[1]}`);
  const failed = [...before.failed, ...during.failed, ...after.failed];
  if (failed.length) console.log(`failures: ${[...new Set(failed)].join('; ')}`);
  if (failed.length || closedDuring || pct([...during.slots, ...during.bookings], 99) >= 100) process.exitCode = 1;
}

try {
  await main();
} finally {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
}
