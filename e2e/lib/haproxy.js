// Debian's HAProxy on loopback in front of several holdspace instances, configured as the README's
// "Several instances" section says: round robin, a health check, retries that redispatch.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, sleep } from './server.js';

/** What HAProxy asks each instance: ready, which a stopping instance is not. */
export const HEALTH_PATH = '/readyz';

export function haproxyPath() {
  for (const p of ['/usr/sbin/haproxy', '/usr/bin/haproxy']) if (existsSync(p)) return p;
  return null;
}

/** The configuration for `servers` ({ name, port }), listening on `port`. */
export function haproxyConfig(port, servers, statsPort) {
  return `global
  maxconn 2000

defaults
  mode http
  log stderr format raw local0 warning
  option httplog
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 10s
  timeout queue 10s
  # A WebSocket (the rooms' signaling) may stay open for a whole session.
  timeout tunnel 2h
  # A request that could not reach an instance, or got nothing back from one that was closing its
  # idle connection, is sent again, to another instance (redispatch on every retry).
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout

frontend practice
  bind 127.0.0.1:${port}
  default_backend instances

backend instances
  balance roundrobin
  option forwardfor
  option httpchk GET ${HEALTH_PATH}
  http-check expect status 200
  default-server inter 300ms fall 2 rise 2
${servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check`).join('\n')}

frontend stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
`;
}

export class Haproxy {
  constructor(servers) {
    this.servers = servers;
    this.output = '';
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async start() {
    const bin = haproxyPath();
    if (!bin) throw new Error('haproxy is not installed (Debian package haproxy; scripts/test installs it)');
    this.port = await freePort();
    this.statsPort = await freePort();
    const dir = await mkdtemp(path.join(tmpdir(), 'hs-haproxy-'));
    this.configPath = path.join(dir, 'haproxy.cfg');
    await writeFile(this.configPath, haproxyConfig(this.port, this.servers, this.statsPort));
    this.child = spawn(bin, ['-db', '-f', this.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (c) => { this.output = (this.output + c.toString()).slice(-20_000); };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
    for (let i = 0; i < 100; i += 1) {
      if (this.child.exitCode !== null) throw new Error(`haproxy exited:\n${this.output}`);
      try {
        await fetch(`http://127.0.0.1:${this.statsPort}/stats;csv`);
        return this;
      } catch { await sleep(100); }
    }
    throw new Error(`haproxy did not start:\n${this.output}`);
  }

  /** Each server's status as HAProxy's health checks see it ('UP', 'DOWN', …), by name. */
  async status() {
    const csv = await (await fetch(`http://127.0.0.1:${this.statsPort}/stats;csv`)).text();
    const out = {};
    for (const line of csv.split('\n')) {
      const f = line.split(',');
      if (f[0] === 'instances' && f[1] !== 'BACKEND' && f[1] !== 'FRONTEND') out[f[1]] = f[17];
    }
    return out;
  }

  async waitStatus(name, want, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      last = (await this.status())[name];
      if (last === want || last?.startsWith(`${want} `)) return;
      await sleep(100);
    }
    throw new Error(`haproxy did not see ${name} ${want} within ${timeoutMs} ms (last: ${last})\n${this.output}`);
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}
