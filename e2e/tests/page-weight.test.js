// The public pages stay light: the home and an article arrive in under 30 KB (everything the
// browser fetched, compressed as it asked), and the one stylesheet is the only request that
// holds up the first paint. Measured by the browser itself (Resource Timing: transferSize and
// renderBlockingStatus) in a fresh context, so nothing comes from its cache.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { test, cleanupStack } from '../lib/harness.js';

const BUDGET_BYTES = 30 * 1024;
const PAGES = ['/', '/articles/what-happens-in-the-first-session'];

const cleanup = cleanupStack();
let server;
let browser;

before(async () => {
  server = cleanup.keep(await startServer({ demo: true, label: 'page weight (demo)' }));
  browser = cleanup.keep(await launchBrowser());
});

for (const path of PAGES) {
  test(`${path} transfers under 30 KB and only the stylesheet blocks rendering`, async () => {
    const p = await newPage(browser);
    cleanup.add(() => p.context().close());
    await visit(p, `${server.url}${path}`);
    const seen = await p.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource').map((r) => ({
        name: new URL(r.name).pathname,
        transferSize: r.transferSize,
        encodedBodySize: r.encodedBodySize,
        decodedBodySize: r.decodedBodySize,
        renderBlockingStatus: r.renderBlockingStatus,
      }));
      const head = [...document.head.querySelectorAll('script, link[rel="stylesheet"], link[rel="preload"], style')]
        .map((el) => el.outerHTML);
      return { nav: { transferSize: nav.transferSize, encodedBodySize: nav.encodedBodySize, decodedBodySize: nav.decodedBodySize }, resources, head };
    });
    const total = seen.nav.transferSize + seen.resources.reduce((sum, r) => sum + r.transferSize, 0);
    const detail = JSON.stringify(seen, null, 1);
    console.log(`${path}: ${total} bytes transferred (page ${seen.nav.transferSize}, ${seen.resources.map((r) => `${r.name} ${r.transferSize}`).join(', ')})`);
    assert.ok(seen.nav.transferSize > 0, `the page itself was fetched: ${detail}`);
    assert.ok(seen.nav.encodedBodySize < seen.nav.decodedBodySize, `the page came compressed: ${detail}`);
    assert.ok(total < BUDGET_BYTES, `${path}: ${total} bytes transferred (budget ${BUDGET_BYTES}): ${detail}`);

    const blocking = seen.resources.filter((r) => r.renderBlockingStatus === 'blocking');
    assert.equal(blocking.length, 1, `one render-blocking request: ${detail}`);
    assert.match(blocking[0].name, /^\/static\/site\.[0-9a-f]+\.css$/, `and it is the stylesheet: ${detail}`);
    const css = seen.resources.find((r) => r.name === blocking[0].name);
    assert.ok(css.encodedBodySize < css.decodedBodySize, `the stylesheet came compressed: ${detail}`);
    // Nothing in <head> that could block once added: no script, no other stylesheet, no font.
    assert.deepEqual(seen.head.filter((h) => !h.startsWith('<link rel="stylesheet"')), [], detail);
    assert.equal(seen.head.length, 1, detail);
  });
}
