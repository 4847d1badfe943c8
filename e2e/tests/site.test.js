// A visitor reads the public site: articles, related articles, crisis contacts, accessibility, small screens.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newPage, visit } from '../lib/browser.js';
import { AxeReport } from '../lib/axe.js';
import { test, cleanupStack } from '../lib/harness.js';

const FIRST_SESSION = '/articles/what-happens-in-the-first-session';
const ONLINE_SESSIONS = '/articles/what-you-need-for-online-sessions';

const PUBLIC_PAGES = [
  '/',
  '/about',
  '/fees',
  '/privacy',
  '/faq',
  '/faq/who-is-it-for',
  '/faq/what-can-it-help-with',
  '/faq/how-does-it-work',
  '/faq/what-do-i-need',
  '/articles',
  FIRST_SESSION,
  ONLINE_SESSIONS,
  '/tags',
  '/tags/first-session',
  '/contact',
  '/contact/thanks',
];

const cleanup = cleanupStack();
let server;
let browser;
let pages; // PUBLIC_PAGES plus /articles?page=2 when the index links to it

before(async () => {
  server = cleanup.keep(await startServer({ demo: true, label: 'site (demo)' }));
  browser = cleanup.keep(await launchBrowser());
  // The articles index is paged by 10; its second page is checked too when it exists.
  const res = await fetch(`${server.url}/articles`);
  assert.equal(res.status, 200, 'GET /articles');
  const html = await res.text();
  pages = [...PUBLIC_PAGES];
  if (/href="[^"]*\/articles\?page=2"/.test(html)) pages.splice(pages.indexOf('/articles') + 1, 0, '/articles?page=2');
});

async function page(opts) {
  const p = await newPage(browser, opts);
  cleanup.add(() => p.context().close());
  return p;
}

function articleSlugOf(href, base) {
  const u = new URL(href, base);
  const m = u.pathname.match(/^\/articles\/([^/?#]+)\/?$/);
  return m ? m[1] : null;
}

test('a visitor reads the home page, opens "What happens in the first session" and follows a related article', async () => {
  const p = await page();
  await visit(p, `${server.url}/`);
  assert.equal(await p.locator('main').count(), 1, 'the home page has one <main>');
  assert.match(await p.title(), /\S/, 'the home page has a title');

  // From the home page to the article: a direct link, or through the articles index.
  const linkName = /What happens in the first session/i;
  let link = p.locator('main a', { hasText: linkName }).first();
  if ((await link.count()) === 0) {
    const toIndex = p.locator('a[href="/articles"], a[href$="/articles"]').first();
    assert.ok((await toIndex.count()) > 0, 'the home page links to the article or to the articles index');
    await Promise.all([p.waitForURL((u) => u.pathname === '/articles'), toIndex.click()]);
    link = p.locator('main a', { hasText: linkName }).first();
  }
  assert.ok((await link.count()) > 0, 'a link to "What happens in the first session" is reachable from the home page');
  await Promise.all([p.waitForURL((u) => u.pathname === FIRST_SESSION, { waitUntil: 'load' }), link.click()]);
  assert.match(await p.locator('main h1').first().innerText(), /What happens in the first session/i);

  // Related articles: a heading and 1–3 links to other articles, never to itself.
  const heading = p.locator('h2#related-heading');
  assert.equal(await heading.count(), 1, 'the article has <h2 id="related-heading">');
  assert.match(await heading.innerText(), /Related articles/i);
  const section = heading.locator('xpath=ancestor::*[self::section or self::aside or self::nav or self::div][1]');
  const hrefs = await section.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const slugs = hrefs.map((h) => articleSlugOf(h, server.url)).filter(Boolean);
  assert.ok(slugs.length >= 1 && slugs.length <= 3, `1–3 related article links, got ${JSON.stringify(hrefs)}`);
  assert.ok(!slugs.includes('what-happens-in-the-first-session'), `a related link points at the article itself: ${JSON.stringify(hrefs)}`);

  const first = section.locator('a[href*="/articles/"]').first();
  const expected = `/articles/${slugs[0]}`;
  await Promise.all([p.waitForURL((u) => u.pathname === expected, { waitUntil: 'load' }), first.click()]);
  assert.notEqual(new URL(p.url()).pathname, FIRST_SESSION);
  const h1 = await p.locator('main h1').first().innerText();
  assert.ok(h1.trim().length > 0, 'the related article has a heading');
  assert.doesNotMatch(h1, /What happens in the first session/i, 'landed on another article');
});

test('every public page has one <main> and shows the crisis contacts', async () => {
  const p = await page();
  const problems = [];
  for (const path of pages) {
    const res = await p.goto(`${server.url}${path}`);
    if (res.status() !== 200) { problems.push(`${path}: status ${res.status()}`); continue; }
    const mains = await p.locator('main').count();
    if (mains !== 1) problems.push(`${path}: ${mains} <main> elements`);
    const crisis = await p.evaluate(() => [...document.querySelectorAll('footer, header, [role="contentinfo"], [role="banner"], .banner, .crisis')]
      .map((e) => e.textContent).join(' '));
    if (!crisis.includes('112')) problems.push(`${path}: footer/banner does not show the crisis contacts ("112")`);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('the articles index shows at most 10 articles per page', async () => {
  const p = await page();
  await visit(p, `${server.url}/articles`);
  const slugs = new Set((await p.locator('main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))
    .map((h) => articleSlugOf(h, server.url)).filter(Boolean));
  assert.ok(slugs.size >= 2, `the index lists articles, got ${[...slugs]}`);
  assert.ok(slugs.size <= 10, `at most 10 articles on a page, got ${slugs.size}`);
  if (pages.includes('/articles?page=2')) {
    await visit(p, `${server.url}/articles?page=2`);
    const second = new Set((await p.locator('main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))
      .map((h) => articleSlugOf(h, server.url)).filter(Boolean));
    assert.ok(second.size >= 1, 'page 2 lists articles');
    assert.ok([...second].some((s) => !slugs.has(s)), 'page 2 lists articles that page 1 does not');
  }
});

test('axe-core finds no WCAG 2.2 AA violation on any public page', async () => {
  const p = await page();
  const report = new AxeReport();
  for (const path of pages) {
    const res = await p.goto(`${server.url}${path}`);
    if (res.status() !== 200) { report.fail(path, `status ${res.status()}`); continue; }
    await report.check(p, path);
  }
  report.assertClean(assert);
});

test('at 320 px wide the home page and an article need no horizontal scrolling', async () => {
  const p = await page({ viewport: { width: 320, height: 640 } });
  const problems = [];
  for (const path of ['/', FIRST_SESSION]) {
    await visit(p, `${server.url}${path}`);
    const { scrollWidth, culprit } = await p.evaluate(() => {
      const w = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')].find((e) => e.getBoundingClientRect().right > w + 1);
      return {
        scrollWidth: document.documentElement.scrollWidth,
        culprit: wide ? `${wide.tagName.toLowerCase()}${wide.id ? '#' + wide.id : ''}${wide.className ? '.' + String(wide.className).split(/\s+/).join('.') : ''}` : null,
      };
    });
    if (scrollWidth > 320) problems.push(`${path}: scrollWidth ${scrollWidth} > 320 (first element past the edge: ${culprit})`);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('sitemap, Atom feed and health check answer', async () => {
  const sitemap = await fetch(`${server.url}/sitemap.xml`);
  assert.equal(sitemap.status, 200, '/sitemap.xml');
  assert.match(sitemap.headers.get('content-type') || '', /xml/);
  const sm = await sitemap.text();
  assert.match(sm, /<urlset/);
  assert.ok(sm.includes(`${FIRST_SESSION}<`) || sm.includes(FIRST_SESSION), 'the sitemap lists the first-session article');

  const feed = await fetch(`${server.url}/feed.xml`);
  assert.equal(feed.status, 200, '/feed.xml');
  assert.match(feed.headers.get('content-type') || '', /xml/);
  const atom = await feed.text();
  assert.match(atom, /<feed[^>]*xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/, 'the feed is Atom');
  assert.match(atom, /<entry>/);

  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  const missing = await fetch(`${server.url}/articles/no-such-article-e2e`);
  assert.equal(missing.status, 404, 'an unknown article answers 404');
});
