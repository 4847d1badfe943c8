// Debian's coturn on loopback, with the TURN REST shared secret that holdspace mints credentials from.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { freePort, sleep } from './server.js';

/** A UDP port that was free a moment ago. */
function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export class Turn {
  async start() {
    this.secret = randomBytes(16).toString('hex');
    // The same number free on TCP and UDP (coturn listens on both).
    for (;;) {
      this.port = await freePort();
      const udp = await freeUdpPort().catch(() => 0);
      if (udp) break;
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'hs-turn-'));
    const relayBase = 40000 + Math.floor(Math.random() * 20000);
    this.output = '';
    this.child = spawn('turnserver', [
      '-n',
      '--listening-ip=127.0.0.1',
      `--listening-port=${this.port}`,
      '--relay-ip=127.0.0.1',
      `--min-port=${relayBase}`,
      `--max-port=${relayBase + 200}`,
      '--use-auth-secret',
      `--static-auth-secret=${this.secret}`,
      '--realm=holdspace.test',
      '--allow-loopback-peers',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--no-multicast-peers',
      '--fingerprint',
      '--log-file=stdout',
      '--simple-log',
      '--verbose',
      `--pidfile=${path.join(dir, 'turnserver.pid')}`,
      `--userdb=${path.join(dir, 'turndb')}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (b) => { this.output += b.toString(); };
    this.child.stdout.on('data', collect);
    this.child.stderr.on('data', collect);
    for (let i = 0; i < 100; i++) {
      if (/listener opened on|Total General servers/i.test(this.output)) break;
      if (this.child.exitCode !== null) throw new Error(`coturn exited:\n${this.output}`);
      await sleep(100);
    }
    await sleep(200);
    return this;
  }

  /** The environment that points holdspace at this relay. */
  env() {
    return {
      HOLDSPACE_TURN_URLS: `turn:127.0.0.1:${this.port}?transport=udp,turn:127.0.0.1:${this.port}?transport=tcp`,
      HOLDSPACE_TURN_SECRET: this.secret,
    };
  }

  /** How many relay allocations coturn has logged so far. */
  allocations() {
    return (this.output.match(/ALLOCATE processed, success/g) || []).length;
  }

  async stop() {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      await new Promise((r) => { this.child.once('exit', r); setTimeout(r, 2000); });
    }
  }
}
