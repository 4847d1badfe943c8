// Runs last: every server's output of this run must be free of what the tests typed (clinical words,
// names, messages, email addresses) and of the tokens and links they used; no line carries a 64-hex token.
// The servers write text or JSON lines (E2E_LOG_FORMAT); both are read, JSON lines decoded as well.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { logDir } from '../lib/privacy.js';
import { logFormat } from '../lib/server.js';

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

/** A JSON log line's object (after the `[stdout #1] ` the harness puts before it), or null. */
function json(line) {
  const at = line.indexOf('] {');
  if (at < 0) return null;
  try {
    return JSON.parse(line.slice(at + 2));
  } catch {
    return null;
  }
}

/** Every string in a JSON value, decoded (a typed `"` or `\` is escaped in the line itself). */
function strings(value) {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** A request's line: `request{id=… route=…}` in text; in JSON, a `request` span with its id and route. */
function requestLine(line) {
  const object = json(line);
  if (!object) return /request\{.*route=/.test(line);
  return [object.span, ...(object.spans ?? [])].some((s) => s?.name === 'request' && s.id && s.route);
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
  assert.ok(lines.some(({ line }) => requestLine(line)),
    'the logs hold request lines (RUST_LOG includes info), so this test means something');
  if (logFormat() === 'json') {
    assert.ok(lines.some(({ line }) => json(line) && requestLine(line)), 'the servers wrote JSON lines (E2E_LOG_FORMAT=json)');
  }
  const leaks = [];
  for (const { where, line } of lines) {
    const object = json(line);
    // In JSON, the decoded strings too: escaping must not hide what a test typed.
    const lower = (object ? `${line}\n${strings(object).join('\n')}` : line).toLowerCase();
    for (const { what, value } of secrets) {
      if (lower.includes(value.toLowerCase())) leaks.push(`${where}: a ${what} (${masked(value)})`);
    }
    if (TOKEN.test(line) && !HANDED_OVER.test(line)) leaks.push(`${where}: a 64-hex token`);
  }
  assert.deepEqual(leaks, [], `${leaks.length} leaks in ${logs.length} logs (${lines.length} lines, ${secrets.length} secrets):\n${leaks.slice(0, 50).join('\n')}`);
  // Checked: the next run starts from an empty directory (E2E_KEEP keeps it for a look).
  if (!process.env.E2E_KEEP) rmSync(dir, { recursive: true, force: true });
});
