// First run without --demo: the one-time setup link creates the practice and its owner.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Server } from '../lib/server.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, errorIsNextToField, labelFor, submitAndGetPostResponse, signIn } from '../lib/harness.js';
import { freshCode } from '../lib/totp.js';
import { sensitive } from '../lib/privacy.js';

let ownerSecret = null;
let recoveryCodes = [];

const cleanup = cleanupStack();
let server;
let browser;
let setupUrl;

const VALUES = {
  practice_name: 'Birch Street Counselling',
  owner_name: 'Robin Example',
  email: 'robin@birch-street.example',
  time_zone: 'Europe/Vienna',
};
const PASSWORD = sensitive('a long and careful passphrase 2026');

before(async () => {
  server = cleanup.keep(await startServer({ demo: false, label: 'setup (fresh, no SMTP)' }));
  browser = cleanup.keep(await launchBrowser());
  await server.waitForOutput(/\/setup\/[A-Za-z0-9_\-.~%]+/, 30_000).catch(() => {});
});

async function page() {
  const p = await newPage(browser);
  cleanup.add(() => p.context().close());
  return p;
}

async function setTimeZone(p, zone) {
  const field = p.locator('[name="time_zone"]');
  const tag = await field.evaluate((e) => e.tagName);
  if (tag === 'SELECT') await field.selectOption(zone);
  else await field.fill(zone);
}

test('the setup link creates the practice; mismatching passwords are caught first', async () => {
  setupUrl = server.setupUrl();
  assert.ok(setupUrl, `the server prints a setup link http://127.0.0.1:${server.port}/setup/<token>; output:\n${server.output()}`);
  assert.ok(setupUrl.startsWith(`${server.url}/setup/`), `the setup link uses the public URL: ${setupUrl}`);

  const p = await page();
  const report = new AxeReport();
  await visit(p, setupUrl);
  for (const name of ['practice_name', 'owner_name', 'email', 'password', 'password_again', 'time_zone']) {
    assert.equal(await p.locator(`[name="${name}"]`).count(), 1, `the setup form has one field named ${name}`);
    assert.ok(await labelFor(p, name), `field ${name} has a <label for> with text`);
  }
  await report.check(p, 'setup page');

  await p.locator('[name="practice_name"]').fill(VALUES.practice_name);
  await p.locator('[name="owner_name"]').fill(VALUES.owner_name);
  await p.locator('[name="email"]').fill(VALUES.email);
  await setTimeZone(p, VALUES.time_zone);
  await p.locator('[name="password"]').fill(PASSWORD);
  await p.locator('[name="password_again"]').fill(`${PASSWORD} but different`);
  const bad = await submitAndGetPostResponse(p, 'Create the practice');
  assert.ok(bad.status() >= 400 && bad.status() < 500, `mismatching passwords answer 4xx, got ${bad.status()}`);
  assert.notEqual(new URL(p.url()).pathname, '/admin');

  const err = p.locator('#password_again-error');
  assert.ok(await err.isVisible(), '#password_again-error is visible');
  assert.ok((await err.innerText()).trim().length > 0, '#password_again-error says something');
  assert.equal(await p.locator('[name="password_again"]').getAttribute('aria-invalid'), 'true', 'password_again has aria-invalid="true"');
  assert.ok(await errorIsNextToField(p, 'password_again', 'password_again-error'), 'the error sits next to password_again');
  for (const [name, value] of Object.entries(VALUES)) {
    assert.equal(await p.locator(`[name="${name}"]`).inputValue(), value, `${name} is kept`);
  }
  await report.check(p, 'setup page with an error');

  await p.locator('[name="password"]').fill(PASSWORD);
  await p.locator('[name="password_again"]').fill(PASSWORD);
  const good = await submitAndGetPostResponse(p, 'Create the practice');
  assert.ok(good.status() < 400, `setup answers ${good.status()}`);
  // Before anything else, the owner enrols a second factor.
  assert.equal(new URL(p.url()).pathname, '/admin/two-factor/setup', 'the owner enrols a second factor first');
  await report.check(p, 'second factor enrolment');
  ownerSecret = (await p.locator('code.secret').innerText()).trim();
  assert.match(ownerSecret, /^[A-Z2-7]{32}$/, 'the enrolment shows a base32 secret');
  assert.equal(await p.locator('svg[role="img"]').count(), 1, 'and a QR code');
  await p.locator('[name="code"]').fill(await freshCode(ownerSecret));
  const enrolled = await submitAndGetPostResponse(p, 'Confirm');
  assert.equal(enrolled.status(), 200, `confirming the code answers ${enrolled.status()}`);
  assert.equal(await p.locator('.recovery-codes li').count(), 10, 'ten recovery codes are shown once');
  recoveryCodes = (await p.locator('.recovery-codes li').allInnerTexts()).map((c) => c.trim());
  await report.check(p, 'recovery codes');
  await Promise.all([
    p.waitForURL((u) => u.pathname === '/admin', { waitUntil: 'load' }),
    p.getByRole('link', { name: 'Continue to the admin', exact: true }).click(),
  ]);
  assert.equal(new URL(p.url()).pathname, '/admin', 'the owner lands on /admin, signed in');
  assert.equal(await p.locator('main').count(), 1);
  assert.equal(await p.locator('header').getByRole('button', { name: 'Sign out', exact: true }).count(), 1,
    'the admin header offers "Sign out"');

  // Without SMTP, mail lands in the dev mailbox.
  await visit(p, `${server.url}/admin/mailbox`);
  await report.check(p, '/admin/mailbox');
  report.assertClean(assert);

  // The link works once.
  const again = await p.goto(setupUrl);
  assert.equal(again.status(), 404, 'the setup link answers 404 the second time (signed in)');
  const anon = await page();
  const againAnon = await anon.goto(setupUrl);
  assert.equal(againAnon.status(), 404, 'the setup link answers 404 the second time (anonymous)');
});

test('the new owner can sign out and sign in again with the chosen password', async () => {
  const p = await page();
  assert.ok(ownerSecret, 'the enrolment test ran first');
  // A wrong code is refused; the right one lets the owner in.
  const res = await p.goto(`${server.url}/admin/signin`);
  assert.equal(res.status(), 200);
  await p.locator('[name="email"]').fill(VALUES.email);
  await p.locator('[name="password"]').fill(PASSWORD);
  await Promise.all([
    p.waitForURL((u) => u.pathname === '/admin/two-factor', { waitUntil: 'load' }),
    p.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  await p.locator('[name="code"]').fill('000000');
  const wrong = await submitAndGetPostResponse(p, 'Continue');
  assert.equal(wrong.status(), 422, 'a wrong code is refused');
  assert.ok(await p.locator('#code-error').isVisible(), 'with the error next to the field');
  await signIn(p, server.url, { email: VALUES.email, password: PASSWORD, secret: ownerSecret });
  await Promise.all([p.waitForNavigation({ waitUntil: 'load' }),
    p.locator('header').getByRole('button', { name: 'Sign out', exact: true }).click()]);
  const after = await p.goto(`${server.url}/admin`);
  assert.ok(new URL(p.url()).pathname === '/admin/signin' || [401, 403].includes(after.status()),
    `after signing out /admin is closed (landed on ${p.url()}, status ${after.status()})`);

  // A recovery code lets the owner in once; the same code is refused the second time.
  assert.equal(recoveryCodes.length, 10);
  for (const [attempt, expected] of [[1, 303], [2, 422]]) {
    await visit(p, `${server.url}/admin/signin`);
    await p.locator('[name="email"]').fill(VALUES.email);
    await p.locator('[name="password"]').fill(PASSWORD);
    await Promise.all([
      p.waitForURL((u) => u.pathname === '/admin/two-factor', { waitUntil: 'load' }),
      p.getByRole('button', { name: 'Sign in', exact: true }).click(),
    ]);
    await p.locator('[name="code"]').fill(recoveryCodes[0]);
    const answer = await submitAndGetPostResponse(p, 'Continue');
    assert.equal(answer.status(), expected, `recovery code, attempt ${attempt}`);
    if (expected === 303) {
      assert.equal(new URL(p.url()).pathname, '/admin');
      await Promise.all([p.waitForNavigation({ waitUntil: 'load' }),
        p.locator('header').getByRole('button', { name: 'Sign out', exact: true }).click()]);
    } else {
      assert.ok(await p.locator('#code-error').isVisible(), 'the used code is refused next to the field');
    }
  }
});

test('a practice made from the command line: `holdspace therapist add` creates the owner, who signs in', async () => {
  const cliServer = cleanup.keep(new Server({ demo: false, label: 'setup (made by the CLI)' }));
  const email = 'kim@cli-practice.example';
  const password = 'typed into a script, never a terminal';
  const res = await cliServer.cli(
    ['therapist', 'add', '--email', email, '--name', 'Kim Script', '--time-zone', 'Europe/Berlin', '--password-stdin'],
    { input: `${password}\n` },
  );
  assert.equal(res.code, 0, `therapist add exits 0; output:\n${res.stdout}\n${res.stderr}`);
  assert.ok(!`${res.stdout}${res.stderr}`.includes(password), 'the password is not echoed');

  await cliServer.start();
  // With an owner in place, no setup link may work.
  const printed = cliServer.setupUrl();
  if (printed) {
    const r = await fetch(printed);
    assert.equal(r.status, 404, `a practice that has an owner must not accept the setup link ${printed}`);
  }
  const secret = res.stdout.match(/totp secret: ([A-Z2-7]+)/)?.[1];
  assert.ok(secret, `therapist add prints the TOTP secret; output:\n${res.stdout}`);
  const p = await page();
  await signIn(p, cliServer.url, { email, password, secret });
  assert.equal(new URL(p.url()).pathname, '/admin');
});
