// Retention and erasure in the browser: the owner sets the retention period on the practice page
// (a refused number keeps what was typed, next to its field); a closed case shows its retention
// date; the patient asks, from the portal, to erase their records; the therapist sees the request
// on "Records due for erasure", answers with the retention hold, and the patient reads the answer.
// Ten years on, the record is listed as past its retention period, erased after its reference is
// typed, and the owner's day says older backups still open it until the master key is rotated.
// axe-core checks each page; screenshots at 1280 and 390 px are kept in e2e/.artifacts/.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

// The clock starts on Friday 27 November 2026, whatever day the suite runs, so the retention dates
// are known; later the test moves it ten years on (a restart at the new instant). Each test file is
// its own process, so this moves no other file's clock.
process.env.E2E_NOW = '2026-11-27T09:00:00Z';
const { Server } = await import('../lib/server.js');
const { startSmtpSink } = await import('../lib/smtp.js');
const { advanceClock, HOUR } = await import('../lib/clock.js');
const { launchBrowser, newPage, visit } = await import('../lib/browser.js');
const { AxeReport } = await import('../lib/axe.js');
const { test, cleanupStack, uniqueEmail, submitAndGetPostResponse, signIn, shoot, noSidewaysScroll, ARTIFACTS } = await import('../lib/harness.js');

const cleanup = cleanupStack();
let server;
let sink;
let browser;

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  server = new Server({ demo: true, smtpPort: sink.port, label: 'retention' });
  // The port set aside for this feature's servers (a free one when it is taken).
  server.port = Number(process.env.E2E_RETENTION_PORT || 0) || null;
  await server.start();
  cleanup.keep(server);
  browser = cleanup.keep(await launchBrowser());
});

async function page(options) {
  const p = await newPage(browser, options);
  cleanup.add(() => p.context().close());
  return p;
}

/** Submits a form built in the page (same origin, with the page's form token), as a button would. */
async function post(p, path, fields) {
  const csrf = await p.locator('input[name="csrf"]').first().getAttribute('value');
  const response = p.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());
  await Promise.all([
    p.waitForNavigation({ waitUntil: 'load' }),
    p.evaluate(({ path, fields, csrf }) => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = path;
      for (const [k, v] of Object.entries({ csrf, ...fields })) {
        const i = document.createElement('input');
        i.type = 'hidden';
        i.name = k;
        i.value = v;
        f.appendChild(i);
      }
      document.body.appendChild(f);
      f.submit();
    }, { path, fields, csrf }),
  ]);
  return response;
}

/** Screenshots of `url` at a laptop's and a phone's width, each checked by axe and for sideways scroll. */
async function both(p, url, name, axe) {
  for (const [width, height] of [[1280, 900], [390, 844]]) {
    await p.setViewportSize({ width, height });
    await visit(p, url);
    await noSidewaysScroll(p, `${name} at ${width}`);
    await shoot(p, `retention-${name}-${width}`);
  }
  await axe.check(p, name);
}

test('the owner sets the period, the patient asks, the therapist holds, and the patient reads the answer', async () => {
  const axe = new AxeReport();
  const anna = await page();
  await signIn(anna, server.url, { secret: server.totpSecret() });

  // A refused number of years: the message next to the field, what was typed kept.
  await visit(anna, `${server.url}/admin/practice#retention`);
  await anna.locator('[name="jurisdiction"]').selectOption('de');
  await anna.locator('[name="years"]').fill('45');
  assert.equal((await submitAndGetPostResponse(anna, 'Save the retention period')).status(), 422);
  assert.equal(await anna.locator('[name="years"]').inputValue(), '45');
  assert.match(await anna.locator('#years-error').innerText(), /from 1 to 30/);
  await anna.setViewportSize({ width: 390, height: 844 });
  await shoot(anna, 'retention-practice-refused-390');
  // The section itself, where the eye lands on a phone.
  await anna.locator('#retention').screenshot({ path: path.join(ARTIFACTS, 'retention-practice-section-refused-390.png') });
  await anna.setViewportSize({ width: 1280, height: 900 });
  await anna.locator('[name="years"]').fill('');
  assert.equal((await submitAndGetPostResponse(anna, 'Save the retention period')).status(), 303);
  await both(anna, `${server.url}/admin/practice?retention=1`, 'practice', axe);
  assert.equal(await anna.locator('[name="years"]').inputValue(), '10');

  // A patient in therapy with Anna, whose case then ends.
  const email = uniqueEmail('robin');
  await visit(anna, `${server.url}/admin/patients`);
  await anna.locator('[name="name"]').fill('Robin Field');
  await anna.locator('[name="email"]').fill(email);
  await anna.locator('[name="time_zone"]').fill('Europe/London');
  assert.equal((await submitAndGetPostResponse(anna, 'Send the invitation')).status(), 303);
  const casePath = new URL(anna.url()).pathname;
  const mail = await sink.waitFor((m) => m.envelopeTo.includes(email) && /\/signin\//.test(m.text), 30_000);
  const link = mail.text.match(/https?:\/\/\S+\/signin\/[0-9a-f]{64}/)[0];
  const robin = await page();
  await visit(robin, link);
  assert.equal((await submitAndGetPostResponse(robin, 'Sign in')).status(), 303);

  // The patient asks before the end; the page says plainly what retention means.
  await both(robin, `${server.url}/portal/erasure`, 'portal', axe);
  assert.match(await robin.locator('main').innerText(), /10 years after the end of treatment/);
  assert.equal((await submitAndGetPostResponse(robin, 'Ask to erase my records')).status(), 303);
  await both(robin, `${server.url}/portal/erasure?sent=1`, 'portal-asked', axe);

  await visit(anna, `${server.url}${casePath}/workspace`);
  assert.equal((await post(anna, `${casePath}/workspace`, { going_on: 'Grief after a move.', frequency: 'weekly', modality: 'psychodynamic', decision: 'continue' })).status(), 303);
  for (const stage of ['consultation_booked', 'consultation_held', 'in_therapy']) {
    assert.equal((await post(anna, `${casePath}/stage`, { stage })).status(), 303, stage);
  }
  await visit(anna, `${server.url}${casePath}/ending`);
  assert.equal((await post(anna, `${casePath}/ending`, { kind: 'ended', summary: 'We ended as planned.', confirm: 'on' })).status(), 303);

  // The case shows until when it is kept; the request waits on the list and on the day.
  await both(anna, `${server.url}${casePath}`, 'case', axe);
  assert.match(await anna.locator('.case-retention').innerText(), /Kept until/);
  await both(anna, `${server.url}/admin/erasure`, 'due', axe);
  assert.match(await anna.locator('main').innerText(), /Robin Field[\s\S]*asked on/);
  await visit(anna, `${server.url}/admin`);
  assert.match(await anna.locator('main').innerText(), /One record waits for your decision/);

  // The erasure page: the request, the hold, and the erasure that needs a reason before the date.
  await both(anna, `${server.url}${casePath}/erase`, 'erase', axe);
  await anna.locator('[name="reference"]').fill('wrong');
  await anna.locator('[name="reason"]').selectOption('request_no_duty');
  assert.equal((await submitAndGetPostResponse(anna, 'Erase the record for good')).status(), 422);
  assert.equal(await anna.locator('[name="reference"]').inputValue(), 'wrong');
  await anna.setViewportSize({ width: 390, height: 844 });
  await shoot(anna, 'retention-erase-refused-390');
  await anna.setViewportSize({ width: 1280, height: 900 });
  await visit(anna, `${server.url}${casePath}/erase`);
  const hold = anna.getByRole('button', { name: /Keep the records until/ });
  await Promise.all([anna.waitForURL(/\/admin\/erasure\?held=1/, { waitUntil: 'load' }), hold.click()]);

  await both(robin, `${server.url}/portal/erasure`, 'portal-held', axe);
  assert.match(await robin.locator('.erasure-status').innerText(), /keeps your records until 27 November 2036/);

  // Ten years and a few days on: the record is past its period.
  advanceClock((365 * 10 + 3 + 5) * 24 * HOUR);
  await server.stop();
  await server.start();
  const later = await page();
  await signIn(later, server.url, { secret: server.totpSecret() });
  await both(later, `${server.url}/admin/erasure`, 'due-listed', axe);
  const row = later.locator('tbody tr', { hasText: 'Robin Field' });
  assert.match(await row.innerText(), /27 November 2026[\s\S]*27 November 2036/);
  await Promise.all([later.waitForURL(/\/erase$/, { waitUntil: 'load' }), row.getByRole('link', { name: 'Robin Field' }).click()]);
  const reference = (await later.locator('dd code').innerText()).trim();
  assert.equal(await later.locator('[name="reason"]').count(), 0, 'no reason is asked once the period is over');
  await later.locator('[name="reference"]').fill(reference);
  assert.equal((await submitAndGetPostResponse(later, 'Erase the record for good')).status(), 303);
  assert.match(await later.locator('main').innerText(), /The record is erased \(\d+ entries removed\)/);
  assert.match(await later.locator('main').innerText(), /No record is past its retention period/);
  await both(later, `${server.url}/admin`, 'day-unrotated', axe);
  assert.match(await later.locator('.erasure-rotation').innerText(), /1 erasure since the master key was last rotated/);
  await visit(later, `${server.url}${casePath}`, { status: 404 });
  axe.assertClean(assert);
});
