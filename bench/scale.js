// The pages a therapist and a patient open daily, on a practice filled by `holdspace demo --scale N`
// (bench/scale.sh runs this once per N). Signs in as the owner (password and TOTP) and as the
// owner's longest-standing patient in therapy now (by the sign-in link, through an SMTP sink),
// then asks each page REQUESTS times, one at a time over a kept-alive connection, after a warm-up.
// Prints one JSON object: each page's p50/p99 in ms, and /healthz's (the anchor: a request that
// reads nothing, measured in the same run).
import http from 'node:http';
import { Server } from '../e2e/lib/server.js';
import { startSmtpSink } from '../e2e/lib/smtp.js';
import { launchBrowser } from '../e2e/lib/browser.js';
import { signIn } from '../e2e/lib/harness.js';

const REQUESTS = Number(process.env.REQUESTS || 200);
const WARMUP = Number(process.env.WARMUP || 20);
const handles = JSON.parse(process.env.SCALE_HANDLES);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url, cookie) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get(url, { agent, headers: cookie ? { cookie } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.on('error', reject);
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure(url, cookie) {
  for (let i = 0; i < WARMUP; i++) await get(url, cookie);
  const times = [];
  for (let i = 0; i < REQUESTS; i++) {
    const r = await get(url, cookie);
    if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

const cookieHeader = (cookies) => cookies.map((c) => `${c.name}=${c.value}`).join('; ');

async function main() {
  const sink = await startSmtpSink();
  const server = new Server({ smtpPort: sink.port, label: `scale-${process.env.SCALE_N}`, env: { RUST_LOG: 'warn' } });
  server.dataDir = process.env.SCALE_DATA_DIR;
  if (process.env.SCALE_DATABASE_URL) {
    server.database = { name: process.env.SCALE_DATABASE_NAME, url: process.env.SCALE_DATABASE_URL };
  }
  const browser = await launchBrowser();
  try {
    await server.start();
    const base = server.url;
    const owner = await (await browser.newContext()).newPage();
    await signIn(owner, base, { email: handles.therapist, password: handles.password, secret: handles.totp_secret });
    const ownerCookie = cookieHeader(await owner.context().cookies());

    const patient = await (await browser.newContext()).newPage();
    await patient.goto(`${base}/signin`);
    await patient.locator('[name="email"]').fill(handles.patient);
    await patient.locator('form button[type="submit"]').first().click();
    const mail = await sink.waitFor((m) => /\/signin\/[0-9a-f]{64}/.test(m.text), 30_000);
    const link = mail.text.match(/https?:\/\/[^\s"<>]+?\/signin\/[0-9a-f]{64}/)[0];
    await patient.goto(link);
    await Promise.all([
      patient.waitForURL((u) => u.pathname === '/portal'),
      patient.locator('main form button[type="submit"]').first().click(),
    ]);
    const patientCookie = cookieHeader(await patient.context().cookies());

    const caseId = handles.case;
    const pages = [
      ['anchor: /healthz', '/healthz', null],
      ['the day', '/admin', ownerCookie],
      ['calendar week', '/admin/calendar', ownerCookie],
      ['board', '/admin/board', ownerCookie],
      ['patients', '/admin/patients', ownerCookie],
      ['a case (thread)', `/admin/cases/${caseId}`, ownerCookie],
      ['workspace', `/admin/cases/${caseId}/workspace`, ownerCookie],
      ['billing', '/admin/billing', ownerCookie],
      ['records due (retention)', '/admin/erasure', ownerCookie],
      ['portal', '/portal', patientCookie],
      ['portal messages', '/portal/messages', patientCookie],
      ['booking page', '/book', null],
      ['slots API', '/api/v1/slots', null],
    ];
    const results = {};
    for (const [label, path, cookie] of pages) {
      results[label] = await measure(`${base}${path}`, cookie);
      process.stderr.write(`  ${label}: p50 ${results[label].p50.toFixed(1)} ms, p99 ${results[label].p99.toFixed(1)} ms\n`);
    }
    console.log(JSON.stringify(results));
  } finally {
    await browser.close().catch(() => {});
    await server.stop().catch(() => {});
    await sink.close();
    agent.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
