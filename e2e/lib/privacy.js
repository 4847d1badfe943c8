// What must never reach a server's log: tests register the words they type and the tokens and links
// they use; every server's output is kept in files; tests/zz-logs-are-private.test.js reads both.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const E2E_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where this run's server logs and registered secrets go (a fresh directory per run in scripts/test). */
export function logDir() {
  const dir = process.env.E2E_LOG_DIR ? path.resolve(process.env.E2E_LOG_DIR) : path.join(E2E_ROOT, '.logs');
  mkdirSync(dir, { recursive: true });
  return dir;
}

const registered = new Set();

/** Registers text a test types (clinical words, names, messages) or uses (tokens, links); returns it. */
export function sensitive(text, what = 'typed') {
  const value = String(text);
  if (value.trim().length >= 4 && !registered.has(value)) {
    registered.add(value);
    appendFileSync(path.join(logDir(), `secrets-${process.pid}.jsonl`), `${JSON.stringify({ what, value })}\n`);
  }
  return value;
}

/** Registers every 64-hex token and every link with a token in `text` (a mail's body). */
export function sensitiveLinksIn(text) {
  for (const m of String(text).matchAll(/[0-9a-f]{64}/gi)) sensitive(m[0], 'token');
  for (const m of String(text).matchAll(/https?:\/\/\S+\/[0-9a-f]{32,}\S*/gi)) sensitive(m[0], 'link');
}

/** A file for one server's output (one per start), named after the test file's process and the label. */
export function serverLogPath(label, run) {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return path.join(logDir(), `server-${process.pid}-${slug}-${run}.log`);
}
