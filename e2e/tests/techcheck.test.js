// A patient checks their setup before a session: camera, microphone, sound, browser, the connection
// to the practice and the relay (Debian's coturn on loopback), on a laptop and on a phone, with a
// relay and without one. Chromium's fake camera and microphone stand in for real devices.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { Turn } from '../lib/turn.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack } from '../lib/harness.js';

const CHECKS = ['browser', 'camera', 'microphone', 'speaker', 'connection', 'relay'];
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

const cleanup = cleanupStack();
let turn;
let withRelay;
let withoutRelay;
let browser;

before(async () => {
  turn = await new Turn().start();
  cleanup.add(() => turn.stop());
  withRelay = cleanup.keep(await startServer({ demo: true, env: turn.env(), label: 'tech check (demo, coturn)' }));
  withoutRelay = cleanup.keep(await startServer({ demo: true, label: 'tech check (demo, no relay)' }));
  browser = cleanup.keep(await launchBrowser());
});

async function page(opts) {
  const p = await newPage(browser, opts);
  cleanup.add(() => p.context().close());
  return p;
}

const statusOf = (p, name) => p.locator(`#tc-${name}`).getAttribute('data-status');

async function statuses(p) {
  const out = {};
  for (const name of CHECKS) out[name] = await statusOf(p, name);
  return out;
}

/** Waits until the check `name` has a final status; answers it. */
async function settled(p, name) {
  await p.waitForFunction((n) => {
    const s = document.getElementById(`tc-${n}`)?.dataset.status;
    return s && s !== 'checking';
  }, name, { timeout: 30_000 });
  return statusOf(p, name);
}

/** What a patient does: start, let the camera and microphone be tried, play the sound and say it was heard. */
async function runTheCheck(p, server) {
  await visit(p, `${server.url}/tech-check`);
  await p.getByRole('button', { name: 'Start the check' }).click();
  assert.equal(await settled(p, 'camera'), 'ok', 'the fake camera works');
  assert.equal(await settled(p, 'microphone'), 'ok', 'the fake microphone is heard');
  await p.getByRole('button', { name: 'Play a test sound' }).click();
  await p.getByRole('button', { name: 'Yes, I heard it' }).click();
  await p.locator('#tc-verdict[data-verdict]').waitFor({ timeout: 30_000 });
}

async function horizontalOverflow(p) {
  return p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

test('with a relay, every check works and the verdict says "You\'re ready"', async () => {
  const p = await page();
  const report = new AxeReport();
  await visit(p, `${withRelay.url}/tech-check`);
  // Before any tap, the checks that need no permission have run.
  assert.equal(await settled(p, 'browser'), 'ok');
  assert.equal(await settled(p, 'connection'), 'ok');
  assert.match(await p.locator('#tc-connection .tc-detail').innerText(), /\d+ ms there and back/);
  // Chromium makes a relay candidate only from an allocation on the relay.
  assert.equal(await settled(p, 'relay'), 'ok', 'a relay candidate came from coturn');
  assert.equal(await statusOf(p, 'camera'), 'checking', 'the camera waits for the patient');
  assert.equal(await p.locator('#tc-verdict').getAttribute('data-verdict'), null);
  await report.check(p, '/tech-check before starting');

  await runTheCheck(p, withRelay);
  assert.equal(await p.locator('#tc-verdict').getAttribute('data-verdict'), 'ready');
  assert.deepEqual(await statuses(p), Object.fromEntries(CHECKS.map((c) => [c, 'ok'])));
  assert.match(await p.locator('#tc-verdict').innerText(), /You're ready/);
  assert.equal(await p.locator('#tc-verdict').getAttribute('aria-live'), 'polite');
  assert.ok(await p.locator('#tc-video').isVisible(), 'the camera preview shows');
  assert.ok(await p.evaluate(() => document.getElementById('tc-video').videoWidth > 0));
  assert.ok(await p.getByText('email anna@linden-room.example or call +49 30 0000 0000').isVisible(),
    'the practice\'s support contact is on the page');
  await report.check(p, '/tech-check when ready');
  report.assertClean(assert);
  assert.deepEqual(p.__consoleErrors, [], 'no errors in the console');

  // Leaving the page turns the camera and microphone off.
  const live = () => p.evaluate(() => {
    const s = document.getElementById('tc-video').srcObject;
    return s ? s.getTracks().filter((t) => t.readyState === 'live').length : 0;
  });
  assert.ok(await live() > 0);
  await p.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide')));
  assert.equal(await live(), 0);
});

test('on a phone (in dark mode) the check fits the screen, with large buttons, and still reaches the verdict', async () => {
  const p = await page({ ...PHONE, colorScheme: 'dark' });
  const report = new AxeReport();
  await visit(p, `${withRelay.url}/tech-check`);
  await settled(p, 'relay');
  assert.ok(await horizontalOverflow(p) <= 0, 'nothing overflows sideways before the check');
  for (const name of ['Start the check', 'Play a test sound']) {
    const box = await p.getByRole('button', { name }).boundingBox();
    assert.ok(box.height >= 44 && box.width >= 44, `"${name}" is large enough to tap: ${JSON.stringify(box)}`);
  }
  await report.check(p, '/tech-check on a phone');
  await runTheCheck(p, withRelay);
  assert.equal(await p.locator('#tc-verdict').getAttribute('data-verdict'), 'ready');
  assert.ok(await horizontalOverflow(p) <= 0, 'nothing overflows sideways with the camera on');
  const video = await p.locator('#tc-video').boundingBox();
  assert.ok(video.width <= 390, `the preview fits: ${JSON.stringify(video)}`);
  await report.check(p, '/tech-check on a phone, ready');
  report.assertClean(assert);
});

// Each check's box has its size from the first paint: on a phone nothing moves as the checks finish
// (issue 11 measured a large cumulative layout shift here). Every layout shift the browser reports
// from the first frame on is collected, and the boxes are compared before and after.
test('on a phone the boxes do not move as the checks finish', async () => {
  const p = await page(PHONE);
  await p.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.__shifts.push({ value: e.value, input: e.hadRecentInput, nodes: e.sources.map((x) => x.node?.id || x.node?.className || x.node?.nodeName) });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  const boxes = () => p.evaluate(() => [...document.querySelectorAll('.tc-check, .tc-result, .tc-help')]
    .map((el) => { const r = el.getBoundingClientRect(); return `${el.id || el.className} ${Math.round(r.top + scrollY)} ${Math.round(r.height)}`; }));
  // The page's script is held back until the boxes are measured as the page first lays out.
  let release;
  const held = new Promise((r) => { release = r; });
  await p.route('**/static/techcheck.*.js', async (route) => { await held; await route.continue(); });
  await p.goto(`${withRelay.url}/tech-check`, { waitUntil: 'commit' });
  await p.waitForFunction(() => document.querySelector('.tc-help') && [...document.styleSheets].some((x) => x.cssRules.length > 0));
  const first = await boxes();
  release();
  await p.waitForLoadState('load');
  await runTheCheck(p, withRelay);
  assert.equal(await p.locator('#tc-verdict').getAttribute('data-verdict'), 'ready');
  assert.deepEqual(await boxes(), first, 'every box keeps its place and height');
  const shifts = await p.evaluate(() => window.__shifts);
  const unprompted = shifts.filter((x) => !x.input);
  assert.equal(unprompted.reduce((sum, x) => sum + x.value, 0), 0, `no layout shift: ${JSON.stringify(unprompted)}`);
});

test('without a relay the relay check is not needed, and the verdict is still "ready"', async () => {
  const p = await page();
  await visit(p, `${withoutRelay.url}/tech-check`);
  assert.equal(await settled(p, 'relay'), 'skipped');
  assert.match(await p.locator('#tc-relay').innerText(), /No check needed/);
  assert.match(await p.locator('#tc-relay .tc-detail').innerText(), /does not use a relay server/);
  await runTheCheck(p, withoutRelay);
  assert.equal(await p.locator('#tc-verdict').getAttribute('data-verdict'), 'ready');
  const s = await statuses(p);
  assert.deepEqual(s, { ...Object.fromEntries(CHECKS.map((c) => [c, 'ok'])), relay: 'skipped' });
});

test('a relay that refuses the credentials is named in the verdict, with what to do', async () => {
  const wrong = cleanup.keep(await startServer({
    demo: true,
    env: { ...turn.env(), HOLDSPACE_TURN_SECRET: 'not the relay secret' },
    label: 'tech check (demo, wrong relay secret)',
  }));
  const p = await page();
  await visit(p, `${wrong.url}/tech-check`);
  assert.equal(await settled(p, 'relay'), 'fail');
  assert.match(await p.locator('#tc-relay .tc-detail').innerText(), /try another network/);
  await runTheCheck(p, wrong);
  assert.equal(await p.locator('#tc-verdict').getAttribute('data-verdict'), 'not-ready');
  assert.match(await p.locator('#tc-verdict').innerText(), /Video on strict networks: Your network may block video calls/);
});

test('a sound not heard is named in the verdict, with what to do', async () => {
  const p = await page();
  await visit(p, `${withoutRelay.url}/tech-check`);
  await p.getByRole('button', { name: 'Start the check' }).click();
  await settled(p, 'microphone');
  await p.getByRole('button', { name: 'Play a test sound' }).click();
  await p.getByRole('button', { name: 'No', exact: true }).click();
  await p.locator('#tc-verdict[data-verdict="not-ready"]').waitFor();
  const verdict = await p.locator('#tc-verdict').innerText();
  assert.match(verdict, /Sound: Turn the volume up/);
  assert.doesNotMatch(verdict, /You're ready/);
  // Heard the second time: ready after all.
  await p.getByRole('button', { name: 'Play a test sound' }).click();
  await p.getByRole('button', { name: 'Yes, I heard it' }).click();
  await p.locator('#tc-verdict[data-verdict="ready"]').waitFor();
});

test('without JavaScript the page says what the check needs and what you need', async () => {
  const p = await page({ javaScriptEnabled: false });
  await visit(p, `${withRelay.url}/tech-check`);
  const main = await p.locator('main').innerText();
  assert.match(main, /needs JavaScript/);
  assert.match(main, /a private, quiet room/);
  assert.ok(!(await p.locator('#tc-run').isVisible()), 'no checks that cannot run');
  assert.ok(await p.getByText('email anna@linden-room.example').isVisible());
});

test('the FAQ on what you need links to the tech check', async () => {
  const p = await page();
  await visit(p, `${withRelay.url}/faq/what-do-i-need`);
  const link = p.getByRole('link', { name: 'Check your camera, microphone and connection' });
  assert.equal(await link.getAttribute('href'), '/tech-check');
  await Promise.all([p.waitForURL((u) => u.pathname === '/tech-check'), link.click()]);
  assert.equal(await p.locator('main h1').innerText(), 'Check your camera, microphone and connection');
});
