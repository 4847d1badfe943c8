// Shared test plumbing: a test wrapper that prints server output and page contents when a test fails,
// a cleanup stack that runs even on failure, and small DOM helpers.
import { test as nodeTest, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { dumpServerOutput, REPO_ROOT } from './server.js';
import { dumpPages } from './browser.js';
import { freshCode } from './totp.js';
import { sensitive } from './privacy.js';

export const TEST_TIMEOUT = 240_000;

/** node:test's test(), with a bounded timeout and a dump of servers and pages on failure. */
export function test(name, fn, { timeout = TEST_TIMEOUT } = {}) {
  return nodeTest(name, { timeout }, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      process.stderr.write(`\n===== FAILED: ${name} =====\n${e?.stack || e}\n`);
      await dumpPages().catch(() => {});
      dumpServerOutput();
      throw e;
    }
  });
}

/** Register resources as they are made; everything is released in reverse order after the file's tests. */
export function cleanupStack() {
  const items = [];
  after(async () => {
    while (items.length) {
      const fn = items.pop();
      try { await fn(); } catch (e) { process.stderr.write(`[e2e] cleanup failed: ${e?.stack || e}\n`); }
    }
  });
  return {
    add(fn) { items.push(fn); },
    /** Register `resource.close()`/`dispose()` and return the resource. */
    keep(resource) {
      items.push(() => (resource.dispose ? resource.dispose() : resource.close()));
      return resource;
    },
  };
}

/** True when `errorId` sits next to the control named `name`: no other form control lies between them. */
export async function errorIsNextToField(page, name, errorId) {
  return page.evaluate(({ name, errorId }) => {
    const err = document.getElementById(errorId);
    const field = document.querySelector(`[name="${name}"]`);
    if (!err || !field) return false;
    const controls = [...document.querySelectorAll('input:not([type=hidden]), textarea, select, button')]
      .filter((c) => c.name !== 'website');
    const all = [...document.querySelectorAll('*')];
    const ie = all.indexOf(err);
    const ifld = all.indexOf(field);
    const [lo, hi] = ie < ifld ? [ie, ifld] : [ifld, ie];
    return !controls.some((c) => c !== field && (() => { const i = all.indexOf(c); return i > lo && i < hi; })());
  }, { name, errorId });
}

/** The `<label for>` text of the control named `name`, or null when it has none. */
export async function labelFor(page, name) {
  return page.evaluate((name) => {
    const field = document.querySelector(`[name="${name}"]`);
    if (!field || !field.id) return null;
    const label = document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
    return label ? label.textContent.trim() : null;
  }, name);
}

/** Whether some element other than a form control shows `text` in the main content. */
export async function mainShowsText(page, text) {
  return page.evaluate((text) => {
    const main = document.querySelector('main');
    if (!main) return false;
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    let all = '';
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement.closest('textarea, script, style, template')) continue;
      all += n.nodeValue;
    }
    return all.replace(/\s+/g, ' ').includes(text);
  }, text);
}

export function uniqueEmail(prefix) {
  // Unique by the machine's clock and chance; typed into forms, so it must never show in a log.
  return sensitive(`${prefix}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.org`, 'email');
}

export const DEMO = {
  practice: 'Linden Room Psychotherapy',
  ownerEmail: 'anna@linden-room.example',
  ownerPassword: 'demo-practice-2026',
  notificationSubject: 'New message through Linden Room Psychotherapy',
  replySubject: 'Your message to Linden Room Psychotherapy',
};

/** Sign in at /admin/signin with password and TOTP code (from `secret`, base32) and land on /admin. */
export async function signIn(page, baseUrl, { email = DEMO.ownerEmail, password = DEMO.ownerPassword, secret } = {}) {
  if (!secret) throw new Error('signIn needs the therapist\'s TOTP secret');
  const res = await page.goto(`${baseUrl}/admin/signin`);
  if (!res || res.status() !== 200) throw new Error(`GET /admin/signin answered ${res?.status()}`);
  await page.locator('[name="email"]').fill(email);
  await page.locator('[name="password"]').fill(password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin/two-factor', { waitUntil: 'load' }),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  await page.locator('[name="code"]').fill(await freshCode(secret));
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin', { waitUntil: 'load' }),
    page.getByRole('button', { name: 'Continue', exact: true }).click(),
  ]);
}

/** Click a submit button and return the response to the POST it caused (the 303 itself when redirected). */
export async function submitAndGetPostResponse(page, buttonName) {
  const responsePromise = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());
  const navDone = page.waitForNavigation({ waitUntil: 'load' });
  await page.getByRole('button', { name: buttonName, exact: true }).click();
  const response = await responsePromise;
  await navDone;
  return response;
}

/** Where screenshots are kept as the run's artefacts. */
export const ARTIFACTS = path.join(REPO_ROOT, 'e2e', '.artifacts');

/** A full-page screenshot kept as `e2e/.artifacts/<name>.png`. */
export async function shoot(p, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  await p.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The page needs no sideways scrolling at its window's width. */
export async function noSidewaysScroll(p, label) {
  const { scroll, client } = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(scroll <= client, `${label}: ${scroll} px wide in a ${client} px window`);
}
