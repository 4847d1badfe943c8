// An SMTP sink: accepts every mail on 127.0.0.1 and keeps it, parsed, in memory.
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { freePort, sleep } from './server.js';
import { sensitiveLinksIn } from './privacy.js';

export class SmtpSink {
  constructor() {
    this.mails = [];
    this.errors = [];
    this.server = null;
    this.port = null;
  }

  async start(port = null) {
    this.port = port ?? (await freePort());
    this.server = new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      hideSTARTTLS: true,
      logger: false,
      banner: 'holdspace e2e sink',
      onData: (stream, session, callback) => {
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
        simpleParser(stream)
          .then((parsed) => {
            const to = [
              ...envelopeTo,
              ...[parsed.to].flat().filter(Boolean).flatMap((a) => a.value.map((v) => (v.address || '').toLowerCase())),
            ];
            // The links and tokens a test will use must not reach a log either.
            sensitiveLinksIn(`${parsed.text ?? ''}\n${typeof parsed.html === 'string' ? parsed.html : ''}`);
            this.mails.push({
              to: [...new Set(to)],
              envelopeTo,
              envelopeFrom,
              from: parsed.from?.text ?? '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              headers: Object.fromEntries(parsed.headerLines.map((h) => [h.key, h.line])),
              attachments: (parsed.attachments || []).map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content.toString('utf8') })),
              receivedAt: Date.now(),
            });
            callback();
          })
          .catch((e) => {
            this.errors.push(e);
            callback(e);
          });
      },
    });
    this.server.on('error', (e) => this.errors.push(e));
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this;
  }

  /** Mails matching predicate so far. */
  find(predicate) { return this.mails.filter(predicate); }

  describe() {
    if (this.mails.length === 0) return '(no mail received)';
    return this.mails.map((m, i) => `#${i + 1} to=${m.to.join(',')} subject=${JSON.stringify(m.subject)}`).join('\n');
  }

  /** Wait until some mail matches; returns the first match. */
  async waitFor(predicate, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.mails.find(predicate);
      if (m) return m;
      if (Date.now() > deadline) {
        throw new Error(`no matching mail within ${timeoutMs} ms; received:\n${this.describe()}` +
          (this.errors.length ? `\nsink errors: ${this.errors.map((e) => e.message).join('; ')}` : ''));
      }
      await sleep(100);
    }
  }

  async close() {
    if (!this.server) return;
    const srv = this.server;
    this.server = null;
    await new Promise((resolve) => srv.close(() => resolve()));
  }
}

export async function startSmtpSink(port = null) {
  return new SmtpSink().start(port);
}
