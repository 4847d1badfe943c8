// Passkeys through Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain):
// a patient adds one and signs in with it instead of an email link; a therapist adds one and
// uses it as the second factor. Served as http://localhost, since WebAuthn refuses bare IPs.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, uniqueEmail, DEMO, signIn } from '../lib/harness.js';
import { sensitive } from '../lib/privacy.js';

const cleanup = cleanupStack();
let server;
let sink;
let browser;
const PATIENT = uniqueEmail('passkey-patient');

before(async () => {
  sink = cleanup.keep(await startSmtpSink());
  server = cleanup.keep(await startServer({ demo: true, smtpPort: sink.port, host: 'localhost', label: 'passkeys (demo, localhost)' }));
  browser = cleanup.keep(await launchBrowser());
});

/** A page whose browser context has a virtual platform authenticator (user verification on). */
async function pageWithAuthenticator() {
  const p = await newPage(browser);
  cleanup.add(() => p.context().close());
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { p, cdp, authenticatorId };
}

async function credentials(cdp, authenticatorId) {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
}

async function clickAndWaitFor(p, name, text) {
  await p.getByRole('button', { name, exact: true }).click();
  await p.locator('#passkey-status').filter({ hasText: text }).waitFor({ timeout: 20_000 });
}

test('a patient adds a passkey and signs in with it instead of an email link', async () => {
  // The owner invites the patient.
  const owner = await newPage(browser);
  cleanup.add(() => owner.context().close());
  await signIn(owner, server.url, { secret: server.totpSecret() });
  await visit(owner, `${server.url}/admin/patients`);
  await owner.locator('[name="name"]').fill(sensitive('Pia Passkey'));
  await owner.locator('[name="email"]').fill(PATIENT);
  await owner.locator('[name="time_zone"]').fill('Europe/Vienna');
  await Promise.all([owner.waitForURL(/\/admin\/cases\//), owner.getByRole('button', { name: 'Send the invitation', exact: true }).click()]);
  const invitation = await sink.waitFor((m) => m.to.includes(PATIENT), 30_000);
  const link = invitation.text.match(/http:\/\/localhost:\d+\/signin\/[0-9a-f]{64}/)[0];

  // The patient signs in once by the link and adds a passkey.
  const { p, cdp, authenticatorId } = await pageWithAuthenticator();
  await visit(p, link);
  await Promise.all([p.waitForURL((u) => u.pathname === '/portal'), p.getByRole('button', { name: 'Sign in', exact: true }).click()]);
  await visit(p, `${server.url}/portal/sessions`);
  const report = new AxeReport();
  await report.check(p, '/portal/sessions with passkeys');
  await clickAndWaitFor(p, 'Add a passkey', 'Your passkey was added.');
  assert.equal((await credentials(cdp, authenticatorId)).length, 1, 'the authenticator holds one credential');

  // Signed out, the patient comes back with the passkey: no email needed.
  await Promise.all([p.waitForURL((u) => u.pathname === '/signin'), p.getByRole('button', { name: 'Sign out', exact: true }).click()]);
  const mailsBefore = sink.mails.length;
  await p.locator('[name="email"]').fill(PATIENT);
  await report.check(p, '/signin with passkeys');
  await Promise.all([p.waitForURL((u) => u.pathname === '/portal', { timeout: 20_000 }), p.getByRole('button', { name: 'Sign in with a passkey', exact: true }).click()]);
  assert.equal(sink.mails.length, mailsBefore, 'no email was needed');
  report.assertClean(assert);

  // Someone else's browser, without that passkey, gets nowhere with the same address.
  const stranger = await pageWithAuthenticator();
  await visit(stranger.p, `${server.url}/signin`);
  await stranger.p.locator('[name="email"]').fill(PATIENT);
  await stranger.p.getByRole('button', { name: 'Sign in with a passkey', exact: true }).click();
  await stranger.p.locator('#passkey-status').filter({ hasText: /\S/ }).waitFor({ timeout: 20_000 });
  assert.equal(new URL(stranger.p.url()).pathname, '/signin', 'still on the sign-in page');
});

test('a therapist uses a passkey as the second factor', async () => {
  const { p } = await pageWithAuthenticator();
  await signIn(p, server.url, { secret: server.totpSecret() });
  await visit(p, `${server.url}/admin/sessions`);
  await clickAndWaitFor(p, 'Add a passkey', 'Your passkey was added.');
  await Promise.all([p.waitForNavigation(), p.locator('header').getByRole('button', { name: 'Sign out', exact: true }).click()]);

  await visit(p, `${server.url}/admin/signin`);
  await p.locator('[name="email"]').fill(DEMO.ownerEmail);
  await p.locator('[name="password"]').fill(DEMO.ownerPassword);
  await Promise.all([p.waitForURL((u) => u.pathname === '/admin/two-factor'), p.getByRole('button', { name: 'Sign in', exact: true }).click()]);
  const report = new AxeReport();
  await report.check(p, '/admin/two-factor with a passkey');
  await Promise.all([p.waitForURL((u) => u.pathname === '/admin', { timeout: 20_000 }), p.getByRole('button', { name: 'Use a passkey instead', exact: true }).click()]);
  report.assertClean(assert);
});
