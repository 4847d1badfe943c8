// Debian's Chromium driven by playwright-core (never `npx playwright install`).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export function chromiumPath() {
  if (process.env.E2E_CHROMIUM) return process.env.E2E_CHROMIUM;
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : '/usr/lib/chromium/chromium';
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Camera and microphone without a prompt or real devices; ICE candidates on 127.0.0.1.
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

const livePages = new Set();

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

/** A fresh context (its own cookies) and a page in it. Close with page.context().close(). */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  page.__consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') page.__consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => page.__consoleErrors.push(`pageerror: ${err.message}`));
  livePages.add(page);
  page.on('close', () => livePages.delete(page));
  return page;
}

/** Go to a path and insist on the status (200 by default). */
export async function visit(page, url, { status = 200 } = {}) {
  const res = await page.goto(url, { waitUntil: 'load' });
  if (!res) throw new Error(`no response for ${url}`);
  if (status !== null && res.status() !== status) {
    const body = await page.locator('body').innerText().catch(() => '');
    throw new Error(`GET ${url}: expected status ${status}, got ${res.status()}\n${body.slice(0, 1500)}`);
  }
  return res;
}

/** Print where every open page is and what it shows (called when a test fails). */
export async function dumpPages() {
  for (const page of livePages) {
    try {
      const text = await page.locator('body').innerText({ timeout: 2000 });
      process.stderr.write(`\n----- page ${page.url()} -----\n${text.slice(0, 3000)}\n`);
      if (page.__consoleErrors.length) process.stderr.write(`console errors: ${page.__consoleErrors.join(' | ')}\n`);
    } catch { /* page gone */ }
  }
}
