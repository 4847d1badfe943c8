// A rolling restart behind HAProxy: two instances of the real binary on one PostgreSQL database, a
// therapist and a patient in a call, five clients booking and writing through the public API the
// whole time; instance A is stopped (SIGTERM), started again and seen up by HAProxy, then B. No
// request of the load fails, both call pages come back to "connected" with the patient still
// admitted, and the call's chat passes after the restarts. Then a known load through HAProxy shows in
// the two instances' /metrics, request for request.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { Server, usePostgres, sleep } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser } from '../lib/browser.js';
import { test, cleanupStack } from '../lib/harness.js';
import { RoomWorld, statusKey, waitStatus, waitConnected, bytesIn, letIn } from '../lib/room.js';
import { Haproxy, haproxyPath } from '../lib/haproxy.js';

const CLIENTS = 5;
const METRICS_TOKEN = 'rolling-metrics-token-0123456789';

/** The sum over `port`'s series of http_requests_total for one method, route and status. */
async function requestsCounted(port, method, route, status) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  assert.equal(res.status, 200, 'the metrics answer with the token');
  const text = await res.text();
  const want = `http_requests_total{method="${method}",route="${route}",status="${status}"}`;
  const line = text.split('\n').find((l) => l.startsWith(`${want} `));
  return line ? Number(line.slice(want.length + 1)) : 0;
}
const cleanup = cleanupStack();
let ready = false;

before(async () => {
  ready = usePostgres() && Boolean(haproxyPath());
  if (usePostgres() && !haproxyPath() && process.env.CI === 'true') {
    throw new Error('haproxy is not installed: scripts/test installs it (Debian package haproxy)');
  }
});

/** One client of the load: slots, a booking while its own slots last, a message; counted. */
async function client(base, index, slots, tally, running) {
  let n = 0;
  const mine = slots.filter((_, i) => i % CLIENTS === index);
  while (running()) {
    n += 1;
    const address = `10.${index}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    const headers = { 'content-type': 'application/json', 'x-forwarded-for': address };
    const kind = n % 3;
    let request;
    if (kind === 0) {
      request = fetch(`${base}/api/v1/slots`, { headers });
    } else if (kind === 1 && mine.length > 0) {
      request = fetch(`${base}/api/v1/bookings`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ slot_id: mine.shift(), name: 'Load Visitor', email: `roll-c${index}-${n}@example.org`, consent: true, time_zone: 'Europe/Berlin' }),
      });
    } else {
      request = fetch(`${base}/api/v1/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'Load Visitor', email: `roll-m${index}-${n}@example.org`, message: 'A message written during a rolling restart.', consent: true }),
      });
    }
    tally.sent += 1;
    try {
      const res = await request;
      await res.arrayBuffer();
      if (res.status >= 200 && res.status < 300) tally.ok += 1;
      else tally.failed.push(`${res.status} ${kind}`);
    } catch (e) {
      tally.failed.push(`${e.cause?.code || e.message} ${kind}`);
    }
    await sleep(20);
  }
}

/** SIGTERM, wait for the exit, start again on the same port; until HAProxy sees it up. */
async function roll(instance, name, haproxy) {
  const exit = await instance.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, `${name} exits 0 after SIGTERM`);
  assert.match(instance.output(), /draining: the job runner is done/, `${name} logs each phase`);
  await haproxy.waitStatus(name, 'DOWN');
  await instance.start();
  await haproxy.waitStatus(name, 'UP');
}

test('a rolling restart during a call and under load: no failed request, the call goes on', async (t) => {
  if (!ready) {
    t.skip(usePostgres()
      ? 'haproxy is not installed (scripts/test installs the Debian package)'
      : 'two instances on one database need PostgreSQL (the suite runs this under E2E_DATABASE=postgres)');
    return;
  }
  const sink = cleanup.keep(await startSmtpSink());
  const a = new Server({ demo: true, smtpPort: sink.port, label: 'rolling A (demo)' });
  await a.prepare();
  const b = new Server({ smtpPort: sink.port, label: 'rolling B' });
  b.dataDir = a.dataDir; // the same master key
  b.database = a.database;
  await b.prepare();
  const haproxy = new Haproxy([{ name: 'a', port: a.port }, { name: 'b', port: b.port }]);
  await haproxy.start();
  cleanup.add(() => haproxy.stop());
  // Both instances answer under HAProxy's address, and take the client's address from it.
  const env = { HOLDSPACE_PUBLIC_URL: haproxy.url, HOLDSPACE_TRUST_PROXY: 'true', HOLDSPACE_TRUSTED_PROXIES: '127.0.0.1', HOLDSPACE_METRICS_TOKEN: METRICS_TOKEN };
  a.extraEnv = env;
  b.extraEnv = env;
  cleanup.keep(await a.start());
  cleanup.add(() => b.stop());
  await b.start();
  await haproxy.waitStatus('a', 'UP');
  await haproxy.waitStatus('b', 'UP');

  const browser = cleanup.keep(await launchBrowser());
  const front = { url: haproxy.url, totpSecret: () => a.totpSecret() };
  const world = new RoomWorld({ server: front, sink, browser, cleanup });
  const pat = await world.patient('Rolf Rolling');
  const room = await world.session(pat);
  await world.enter(pat.page, room);
  await waitStatus(pat.page, 'room-waiting');
  const o = await world.owner();
  await world.enter(o, room);
  await letIn(o, pat);
  await waitConnected(pat.page);
  await waitConnected(o);
  const peersBefore = await o.evaluate(() => window.__pcs.length);
  // Every status each page shows from now on.
  for (const p of [pat.page, o]) {
    await p.evaluate(() => {
      const status = document.getElementById('room-status');
      window.__statuses = [];
      new MutationObserver(() => window.__statuses.push(status.dataset.key)).observe(status, { attributes: true, attributeFilter: ['data-key'] });
    });
  }

  const slots = (await (await fetch(`${haproxy.url}/api/v1/slots`)).json()).slots.map((s) => s.id);
  assert.ok(slots.length >= CLIENTS, 'the demo practice offers times');
  const tally = { sent: 0, ok: 0, failed: [] };
  let loading = true;
  const load = Array.from({ length: CLIENTS }, (_, i) => client(haproxy.url, i, slots, tally, () => loading));
  await sleep(1500);

  await roll(a, 'a', haproxy);
  await sleep(1000);
  await roll(b, 'b', haproxy);
  await sleep(1500);
  loading = false;
  await Promise.all(load);
  console.log(`rolling restart: ${tally.sent} requests through HAProxy, ${tally.ok} succeeded, ${tally.failed.length} failed`);
  assert.ok(tally.sent > 50, `a real load was sent (${tally.sent})`);
  assert.deepEqual(tally.failed, [], `every request of the load succeeded (${tally.ok} of ${tally.sent})`);
  assert.equal(tally.ok, tally.sent);

  // Both pages are back in the call, the patient still admitted (never in the waiting room).
  await waitStatus(pat.page, 'room-connected');
  await waitStatus(o, 'room-connected');
  await waitConnected(pat.page);
  await waitConnected(o);
  assert.equal(await statusKey(pat.page), 'room-connected');
  assert.equal(await pat.page.evaluate(() => document.getElementById('room').dataset.view), 'call');
  for (const [who, p] of [['patient', pat.page], ['therapist', o]]) {
    const seen = await p.evaluate(() => window.__statuses);
    assert.ok(!seen.includes('room-waiting'), `the ${who} never saw the waiting room: ${seen}`);
    assert.ok(!seen.includes('room-socket-lost'), `the ${who} saw no alarm, at most "reconnecting": ${seen}`);
  }
  // The peer connection carried the call through both restarts: none was made again.
  assert.equal(await o.evaluate(() => window.__pcs.length), peersBefore, 'the same peer connection throughout');
  const before = await bytesIn(pat.page);
  await pat.page.waitForTimeout(1500);
  assert.ok(await bytesIn(pat.page) > before, 'media still flows');

  // The chat (through the instances and PostgreSQL's notifications) passes both ways.
  await o.getByRole('button', { name: 'Chat', exact: true }).click();
  await o.locator('#room-chat-text').fill('Still with me after the restart?');
  await o.getByRole('button', { name: 'Send', exact: true }).click();
  await pat.page.locator('#room-chat-lines li', { hasText: 'Still with me after the restart?' }).waitFor({ state: 'attached' });

  // The metrics of both instances count exactly the requests sent through HAProxy, whichever
  // instance took each, by the route's template.
  const counted = (method, route, status) => Promise.all([a, b].map((i) => requestsCounted(i.port, method, route, status)))
    .then((ns) => ns.reduce((x, y) => x + y, 0));
  const slotsBefore = await counted('GET', '/api/v1/slots', '200');
  const messagesBefore = await counted('POST', '/api/v1/messages', '201');
  const SLOT_READS = 30;
  const MESSAGES = 8;
  for (let i = 0; i < SLOT_READS; i += 1) {
    const res = await fetch(`${haproxy.url}/api/v1/slots`, { headers: { 'x-forwarded-for': `10.9.0.${i + 1}` } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  for (let i = 0; i < MESSAGES; i += 1) {
    const res = await fetch(`${haproxy.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.1.${i + 1}` },
      body: JSON.stringify({ name: 'Counted Visitor', email: `roll-count-${i}@example.org`, message: 'A message counted by the metrics.', consent: true }),
    });
    assert.equal(res.status, 201, 'the message is taken');
    await res.arrayBuffer();
  }
  assert.equal(await counted('GET', '/api/v1/slots', '200') - slotsBefore, SLOT_READS, 'every slot read counted once');
  assert.equal(await counted('POST', '/api/v1/messages', '201') - messagesBefore, MESSAGES, 'every message counted once');
});
