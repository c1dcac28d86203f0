import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';

export interface ReceivedMail {
  to: string[];
  messageId: string;
  subject: string;
  /** The text part, decoded. */
  text: string;
  raw: string;
}

function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The first text/plain part of a raw message, decoded (what nodemailer writes: 7bit, quoted-printable or base64). */
export function textPart(raw: string): string {
  const normalized = raw.replace(/\r\n/g, '\n');
  const parts = normalized.split(/\n--[^\n]+\n/);
  for (const part of [normalized, ...parts]) {
    const split = part.indexOf('\n\n');
    const head = part.slice(0, split);
    if (!/content-type: text\/plain/i.test(head)) continue;
    const body = part.slice(split + 2).split(/\n--/)[0]!;
    if (/content-transfer-encoding: quoted-printable/i.test(head)) return decodeQuotedPrintable(body);
    if (/content-transfer-encoding: base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    return body;
  }
  return '';
}

export function headerOf(raw: string, name: string): string {
  const head = raw.replace(/\r\n/g, '\n').split('\n\n', 1)[0]!;
  const m = new RegExp(`^${name}: (.*(?:\\n[ \\t].*)*)`, 'mi').exec(head);
  return m ? m[1]!.replace(/\n[ \t]+/g, ' ').trim() : '';
}

export interface FakeSmtp {
  url: string;
  mails: ReceivedMail[];
  /** While true every message is refused with 451 (a server that refuses for a while). */
  refusing: boolean;
  refusals: number;
  /** While true a message's data is taken but never answered (a send in flight that never ends). */
  holding: boolean;
  held: number;
  close(): Promise<void>;
}

/** A real SMTP server (the smtp-server package) on a random local port, keeping what it receives. */
export async function startSmtp(): Promise<FakeSmtp> {
  const fake: FakeSmtp = { url: '', mails: [], refusing: false, refusals: 0, holding: false, held: 0, close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (fake.holding) {
          fake.held++;
          return;
        }
        if (fake.refusing) {
          fake.refusals++;
          return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        fake.mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          messageId: headerOf(raw, 'Message-ID'),
          subject: headerOf(raw, 'Subject'),
          text: textPart(raw),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  fake.url = `smtp://127.0.0.1:${port}`;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}

export interface ReceivedHook {
  id: string;
  headers: IncomingHttpHeaders;
  body: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
  verified: boolean;
  /** The status this attempt was answered with. */
  answered: number;
}

export interface FakeReceiver {
  url: string;
  /** Every attempt, in arrival order. */
  attempts: ReceivedHook[];
  /** The secret to verify with (set after creating the endpoint). */
  secret: string;
  /** Decides the status of each attempt (default 204), optionally with response headers. */
  respond: (attempt: ReceivedHook, attemptsForId: number) => number | [number, Record<string, string>];
  /** While true requests are read but never answered (deliveries in flight). */
  holding: boolean;
  held: number;
  /** Attempts answered 2xx, one entry per webhook-id. */
  delivered(): Map<string, ReceivedHook>;
  close(): Promise<void>;
}

/** A real HTTP receiver that verifies every delivery with the standardwebhooks package. */
export async function startReceiver(): Promise<FakeReceiver> {
  const counts = new Map<string, number>();
  const receiver: FakeReceiver = {
    url: '',
    attempts: [],
    secret: '',
    holding: false,
    held: 0,
    respond: () => 204,
    delivered() {
      const out = new Map<string, ReceivedHook>();
      for (const a of this.attempts) if (a.answered >= 200 && a.answered < 300) out.set(a.id, a);
      return out;
    },
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (receiver.holding) {
        receiver.held++;
        return;
      }
      const payload = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id']);
      let verified = false;
      try {
        new Webhook(receiver.secret).verify(payload, {
          'webhook-id': id,
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        });
        verified = true;
      } catch {
        verified = false;
      }
      const n = (counts.get(id) ?? 0) + 1;
      counts.set(id, n);
      const attempt: ReceivedHook = { id, headers: req.headers, body: JSON.parse(payload) as ReceivedHook['body'], verified, answered: 0 };
      const answer = verified ? receiver.respond(attempt, n) : 401;
      const [status, headers] = Array.isArray(answer) ? answer : [answer, {}];
      attempt.answered = status;
      receiver.attempts.push(attempt);
      res.writeHead(status, headers);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** Polls until `check` is true (deliveries are asynchronous); fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
