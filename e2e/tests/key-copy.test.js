// The master key's backup reminder on the owner's day: shown with where the key is (the key file
// in the data directory), axe-clean, screenshot at 1280 and 390 px, gone once the owner confirms
// "I have a copy", and still gone on the next visit.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack, submitAndGetPostResponse, signIn, shoot, noSidewaysScroll } from '../lib/harness.js';

const HEADING = 'Keep a copy of the master key somewhere other than this server';
const cleanup = cleanupStack();
let server;
let browser;

before(async () => {
  server = cleanup.keep(await startServer({ demo: true, label: 'key copy (demo)' }));
  browser = cleanup.keep(await launchBrowser());
});

test('the owner is reminded to keep a copy of the master key until they confirm one', async () => {
  const axe = new AxeReport();
  const p = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  cleanup.add(() => p.context().close());
  await signIn(p, server.url, { secret: server.totpSecret() });
  await visit(p, `${server.url}/admin`);
  const notice = p.getByRole('region', { name: HEADING });
  assert.equal(await notice.count(), 1, 'the reminder is a labelled region');
  assert.match(await notice.locator('code').innerText(), /master\.key$/, 'it names the key file');
  await axe.check(p, '/admin with the reminder (1280 px)');
  await noSidewaysScroll(p, '/admin at 1280 px');
  await shoot(p, 'key-copy-1280');

  await p.setViewportSize({ width: 390, height: 844 });
  await visit(p, `${server.url}/admin`);
  await axe.check(p, '/admin with the reminder (390 px)');
  await noSidewaysScroll(p, '/admin at 390 px');
  await shoot(p, 'key-copy-390');

  assert.equal((await submitAndGetPostResponse(p, 'I have a copy')).status(), 303);
  assert.equal(new URL(p.url()).pathname, '/admin');
  assert.equal(await p.getByRole('region', { name: HEADING }).count(), 0, 'gone once confirmed');
  await visit(p, `${server.url}/admin`);
  assert.equal(await p.getByRole('region', { name: HEADING }).count(), 0, 'and stays gone');
  axe.assertClean(assert);
});
