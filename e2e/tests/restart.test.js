// Acknowledged means durable: a restart between the form and the mail still delivers exactly one notification.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { Server, freePort, sleep } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { test, cleanupStack, uniqueEmail, DEMO, submitAndGetPostResponse } from '../lib/harness.js';
import { sensitive } from '../lib/privacy.js';

const MESSAGE = sensitive('Written just before the server went down');

const cleanup = cleanupStack();
let browser;

before(async () => {
  browser = cleanup.keep(await launchBrowser());
});

test('a notification queued before a restart is delivered exactly once after it', async () => {
  // SMTP points at a port where nothing listens yet.
  const smtpPort = await freePort();
  const server = cleanup.keep(new Server({ demo: true, smtpPort, label: 'restart (demo, SMTP down)' }));
  await server.start();

  const p = await newPage(browser);
  cleanup.add(() => p.context().close());
  await visit(p, `${server.url}/contact`);
  await p.locator('[name="name"]').fill(sensitive('Jonas Restart'));
  await p.locator('[name="email"]').fill(uniqueEmail('jonas'));
  await p.locator('[name="message"]').fill(MESSAGE);
  await p.locator('[name="consent"]').setChecked(true);
  const res = await submitAndGetPostResponse(p, 'Send message');
  assert.equal(res.status(), 303);
  assert.equal(new URL(p.url()).pathname, '/contact/thanks');
  assert.match(await p.locator('h1').first().innerText(), /Thank you/);

  await sleep(1500);
  const exit = await server.stop();
  assert.ok(exit, 'the server was running until stopped');

  const sink = cleanup.keep(await startSmtpSink(smtpPort));
  assert.equal(sink.mails.length, 0);
  server.label = 'restart (demo, SMTP up)';
  await server.start();

  const isNotification = (m) => m.subject === DEMO.notificationSubject;
  const mail = await sink.waitFor(isNotification, 30_000);
  await sleep(3000);
  const notes = sink.find(isNotification);
  assert.equal(notes.length, 1, `exactly one notification after the restart; received:\n${sink.describe()}`);
  assert.ok(mail.envelopeTo.includes(DEMO.ownerEmail), `the notification goes to ${DEMO.ownerEmail}, got ${mail.envelopeTo}`);
  assert.ok(!`${mail.subject}\n${mail.text}\n${mail.html}`.includes(MESSAGE), 'the notification does not contain the message');
});
