// axe-core inside the page. The site's CSP (script-src 'self') blocks inline script tags, so the source is
// evaluated through the DevTools protocol, which CSP does not govern.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Run axe on the current page; returns the violations (an array, empty when all is well). */
export async function axeViolations(page) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) {
    await page.evaluate(`${AXE_SOURCE}\n;void 0;`);
  }
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  return result.violations;
}

export function formatViolations(label, violations) {
  const out = [`${label}: ${violations.length} axe violation(s)`];
  for (const v of violations) {
    out.push(`  - ${v.id} [${v.impact}] ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes.slice(0, 10)) {
      out.push(`      target: ${n.target.join(' ')}`);
      out.push(`      html:   ${n.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (n.failureSummary) out.push(`      why:    ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    if (v.nodes.length > 10) out.push(`      … and ${v.nodes.length - 10} more`);
  }
  return out.join('\n');
}

/**
 * Collects axe results over several pages so one test reports every page's violations at once.
 */
export class AxeReport {
  constructor() { this.failures = []; this.checked = []; }

  async check(page, label = page.url()) {
    const violations = await axeViolations(page);
    this.checked.push(label);
    if (violations.length) this.failures.push(formatViolations(label, violations));
    return violations;
  }

  /** Record a page that could not be checked at all (it did not load). */
  fail(label, message) { this.failures.push(`${label}: ${message}`); }

  assertClean(assert) {
    assert.ok(this.checked.length > 0, 'no page was checked by axe');
    assert.equal(this.failures.length, 0,
      `axe-core found problems on ${this.failures.length} of ${this.checked.length} page(s):\n\n${this.failures.join('\n\n')}`);
  }
}
