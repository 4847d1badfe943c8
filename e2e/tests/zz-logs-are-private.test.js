// Runs last: every server's output of this run must be free of what the tests typed (clinical words,
// names, messages, email addresses) and of the tokens and links they used; no line carries a 64-hex token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { logDir } from '../lib/privacy.js';

// The one line that hands a token to a person on purpose: the first-run setup link, printed on the
// operator's console because there is no account yet to mail it to.
const HANDED_OVER = /Create your practice with this link/;
const TOKEN = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/i;

function collected() {
  const dir = logDir();
  const files = readdirSync(dir);
  const secrets = files.filter((f) => f.startsWith('secrets-')).flatMap((f) => readFileSync(path.join(dir, f), 'utf8')
    .split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  const logs = files.filter((f) => f.startsWith('server-')).map((f) => ({ file: f, text: readFileSync(path.join(dir, f), 'utf8') }));
  return { dir, secrets, logs };
}

/** Shows where a secret sits without printing it whole. */
const masked = (s) => `${s.slice(0, 3)}…(${s.length} chars)`;

test('no server log carries a typed word, an address, a token or a link a test used', (t) => {
  const { dir, secrets, logs } = collected();
  if (logs.length === 0) {
    t.skip(`no server logs in ${dir}: run this after the other test files`);
    return;
  }
  const lines = logs.flatMap(({ file, text }) => text.split('\n').map((line, i) => ({ where: `${file}:${i + 1}`, line })));
  assert.ok(lines.some(({ line }) => /request\{.*route=/.test(line)),
    'the logs hold request lines (RUST_LOG includes info), so this test means something');
  const leaks = [];
  for (const { where, line } of lines) {
    const lower = line.toLowerCase();
    for (const { what, value } of secrets) {
      if (lower.includes(value.toLowerCase())) leaks.push(`${where}: a ${what} (${masked(value)})`);
    }
    if (TOKEN.test(line) && !HANDED_OVER.test(line)) leaks.push(`${where}: a 64-hex token`);
  }
  assert.deepEqual(leaks, [], `${leaks.length} leaks in ${logs.length} logs (${lines.length} lines, ${secrets.length} secrets):\n${leaks.slice(0, 50).join('\n')}`);
  // Checked: the next run starts from an empty directory (E2E_KEEP keeps it for a look).
  if (!process.env.E2E_KEEP) rmSync(dir, { recursive: true, force: true });
});
