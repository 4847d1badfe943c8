// Starts the real holdspace binary as a child process, on a free port and a fresh data directory.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { appendFileSync } from 'node:fs';
import { serverNow, testClock } from './clock.js';
import { serverLogPath } from './privacy.js';

const execFileP = promisify(execFile);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function binaryPath() {
  if (process.env.HOLDSPACE_BIN) return path.resolve(process.env.HOLDSPACE_BIN);
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR)
    : path.join(REPO_ROOT, 'target');
  return path.join(targetDir, 'debug', 'holdspace');
}

/** A TCP port that was free a moment ago (bind to port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Every server started in this process, so a failing test can print their output. */
const liveServers = new Set();
const allServers = new Set();

// If the test process dies abruptly, do not leave servers behind.
process.on('exit', () => {
  for (const s of liveServers) {
    try { s.child?.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

/** The servers' log format: E2E_LOG_FORMAT=json has them write JSON lines (scripts/test does so
 * for the PostgreSQL run, so the privacy test reads both formats); text otherwise. */
export function logFormat() {
  return (process.env.E2E_LOG_FORMAT || 'text').toLowerCase();
}

function logFormatEnv() {
  return { HOLDSPACE_LOG_FORMAT: logFormat() };
}

export function usePostgres() {
  return (process.env.E2E_DATABASE || '').toLowerCase() === 'postgres';
}

const PG_ADMIN = ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-v', 'ON_ERROR_STOP=1', '-qtA'];

async function createPgDatabase() {
  // E2E_PG_PREFIX: another prefix for the databases made (a run's own, to find and drop them).
  const prefix = /^[a-z_][a-z0-9_]{0,20}$/.test(process.env.E2E_PG_PREFIX || '') ? process.env.E2E_PG_PREFIX : 'e2e_';
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  await execFileP('psql', [...PG_ADMIN, '-c', `CREATE DATABASE ${name}`]);
  return { name, url: `postgres://postgres@127.0.0.1:5432/${name}` };
}

async function dropPgDatabase(name) {
  try {
    await execFileP('psql', [...PG_ADMIN, '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  } catch (e) {
    process.stderr.write(`[e2e] could not drop database ${name}: ${e.message}\n`);
  }
}

export class Server {
  constructor({ demo = false, smtpPort = null, env = {}, label = 'server', host = '127.0.0.1' } = {}) {
    this.demo = demo;
    // 'localhost' for passkeys: browsers refuse WebAuthn on a bare IP address.
    this.host = host;
    this.smtpPort = smtpPort;
    this.extraEnv = env;
    this.label = label;
    this.port = null;
    this.dataDir = null;
    this.database = null;
    this.child = null;
    this.lines = []; // [{stream, text}] across all runs, bounded
    this.runs = 0;
    this.exitPromise = null;
    allServers.add(this);
  }

  get url() { return `http://${this.host}:${this.port}`; }

  /** What the server believes the time is (E2E_NOW moves it; see lib/clock.js). */
  now() { return serverNow(); }

  /** The clock the binary starts on: with a test clock, where that clock stands at this (re)start. */
  clockEnv() {
    return testClock ? { HOLDSPACE_TEST_NOW: serverNow().toISOString() } : {};
  }

  /** Full text of everything the server printed (ANSI colours removed). */
  output() { return this.lines.map((l) => l.text).join('\n'); }

  /** The first setup link the server printed, or null. */
  setupUrl() {
    const m = this.output().match(/http:\/\/127\.0\.0\.1:\d+\/setup\/[A-Za-z0-9_\-.~%]+/);
    return m ? m[0] : null;
  }

  /** The demo owner's TOTP secret, as `serve --demo` prints it. */
  totpSecret() {
    const m = this.output().match(/TOTP secret ([A-Z2-7]+)/);
    if (!m) throw new Error(`${this.label} printed no TOTP secret:\n${this.output()}`);
    return m[1];
  }

  async waitForOutput(regex, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = this.output().match(regex);
      if (m) return m;
      if (!this.child) throw new Error(`${this.label} exited before printing ${regex}`);
      await sleep(100);
    }
    throw new Error(`${this.label} did not print ${regex} within ${timeoutMs} ms`);
  }

  _log(line) {
    if (this.logPath) appendFileSync(this.logPath, `${line}\n`);
  }

  _record(stream, chunk) {
    this._partial ??= { stdout: '', stderr: '' };
    const text = this._partial[stream] + chunk.toString('utf8');
    const parts = text.split('\n');
    this._partial[stream] = parts.pop();
    for (const p of parts) {
      const line = `[${stream} #${this.runs}] ${p.replace(ANSI, '')}`;
      this.lines.push({ stream, text: line });
      this._log(line);
    }
    if (this.lines.length > 2000) this.lines.splice(0, this.lines.length - 2000);
    if (process.env.E2E_VERBOSE) process.stderr.write(chunk);
  }

  /** Choose the port, make the data directory and the database (start() does this when needed). */
  async prepare() {
    this.port ??= await freePort();
    this.dataDir ??= await mkdtemp(path.join(tmpdir(), 'holdspace-e2e-'));
    if (usePostgres() && !this.database) this.database = await createPgDatabase();
    return this;
  }

  /** Run a command of the binary (e.g. `therapist add …`) on this server's data directory and database. */
  async cli(args, { input = '' } = {}) {
    await this.prepare();
    const full = [...args, '--data-dir', this.dataDir];
    if (this.database) full.push('--database-url', this.database.url);
    const env = { ...process.env, NO_COLOR: '1', RUST_LOG: 'warn', ...logFormatEnv(), ...this.clockEnv() };
    delete env.HOLDSPACE_DATABASE_URL;
    return new Promise((resolve, reject) => {
      const child = spawn(binaryPath(), full, { cwd: this.dataDir, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => { stdout += c; });
      child.stderr.on('data', (c) => { stderr += c; });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        const text = `[cli] holdspace ${args.join(' ')} → code=${code} signal=${signal}\n${stdout}${stderr}`;
        this.lines.push({ stream: 'meta', text });
        appendFileSync(serverLogPath(`${this.label}-cli`, 0), `${text.replace(ANSI, '')}\n`);
        resolve({ code, signal, stdout: stdout.replace(ANSI, ''), stderr: stderr.replace(ANSI, '') });
      });
      child.stdin.end(input);
    });
  }

  /** Start (or restart, with the same port, data directory and database). */
  async start() {
    if (this.child) throw new Error(`${this.label} already running`);
    const bin = binaryPath();
    if (!existsSync(bin)) throw new Error(`holdspace binary not found at ${bin}; run cargo build first`);
    await this.prepare();
    this.runs += 1;

    const args = ['serve', '--listen', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir];
    if (this.demo) args.push('--demo');
    if (this.database) args.push('--database-url', this.database.url);
    const env = {
      ...process.env,
      HOLDSPACE_PUBLIC_URL: this.url,
      HOLDSPACE_JOB_RETRY_BASE_MS: '500',
      RUST_LOG: process.env.E2E_RUST_LOG || 'info',
      NO_COLOR: '1',
      ...logFormatEnv(),
      ...this.clockEnv(),
      ...this.extraEnv,
    };
    if (this.smtpPort) env.HOLDSPACE_SMTP_URL = `smtp://127.0.0.1:${this.smtpPort}`;
    else delete env.HOLDSPACE_SMTP_URL;
    // Never inherit a database choice from the caller's environment: each server decides it above.
    delete env.HOLDSPACE_DATABASE_URL;

    this._partial = { stdout: '', stderr: '' };
    // Every line of every run is kept on disk for the privacy test (this.lines is bounded).
    this.logPath = serverLogPath(this.label, this.runs);
    const child = spawn(bin, args, { cwd: this.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    liveServers.add(this);
    child.stdout.on('data', (c) => this._record('stdout', c));
    child.stderr.on('data', (c) => this._record('stderr', c));
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        for (const s of ['stdout', 'stderr']) {
          if (this._partial[s]) {
            const line = `[${s} #${this.runs}] ${this._partial[s].replace(ANSI, '')}`;
            this.lines.push({ stream: s, text: line });
            this._log(line);
          }
          this._partial[s] = '';
        }
        this.lines.push({ stream: 'meta', text: `[exit #${this.runs}] code=${code} signal=${signal}` });
        if (this.child === child) this.child = null;
        liveServers.delete(this);
        resolve({ code, signal });
      });
    });
    child.on('error', (e) => this.lines.push({ stream: 'meta', text: `[spawn error] ${e.message}` }));

    await this.waitHealthy(30_000);
    return this;
  }

  async waitHealthy(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`${this.label} exited during start-up (${last})\n${this.output()}`);
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
        last = `status ${res.status}`;
      } catch (e) {
        last = e.cause?.code || e.message;
      }
      await sleep(150);
    }
    throw new Error(`${this.label}: /healthz did not answer 200 within ${timeoutMs} ms (${last})\n${this.output()}`);
  }

  /** SIGTERM and wait for the exit (SIGKILL after 20 s). */
  async stop() {
    const child = this.child;
    if (!child) return null;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.lines.push({ stream: 'meta', text: '[e2e] no exit 20 s after SIGTERM, sending SIGKILL' });
      try { child.kill('SIGKILL'); } catch { /* gone */ }
    }, 20_000);
    const result = await this.exitPromise;
    clearTimeout(timer);
    return result;
  }

  /** Stop, and remove the data directory and the database. */
  async dispose() {
    await this.stop();
    if (this.dataDir && !process.env.E2E_KEEP) {
      await rm(this.dataDir, { recursive: true, force: true });
    }
    if (this.database && !process.env.E2E_KEEP) await dropPgDatabase(this.database.name);
    allServers.delete(this);
  }
}

export async function startServer(opts = {}) {
  const s = new Server(opts);
  try {
    await s.start();
  } catch (e) {
    await s.dispose().catch(() => {});
    throw e;
  }
  return s;
}

/** Print the output of every server this process knows (called when a test fails). */
export function dumpServerOutput(maxLines = 400) {
  for (const s of allServers) {
    const lines = s.lines.slice(-maxLines);
    process.stderr.write(`\n----- ${s.label} (${s.url}, data dir ${s.dataDir}${s.database ? `, database ${s.database.name}` : ''}): last ${lines.length} lines -----\n`);
    process.stderr.write(lines.map((l) => l.text).join('\n') + '\n');
    process.stderr.write(`----- end of ${s.label} -----\n`);
  }
}
