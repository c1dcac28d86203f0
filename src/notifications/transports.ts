import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { MailTransport, OutgoingMail } from './mail.js';
import { composeMail, type PlainMail } from './mime.js';

// nodemailer is an optional dependency: the runner imports this file when the first email goes
// out, so the library loads without it.

function messageId(id: number, from: string): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'localhost';
  return `<notification-${id}@${domain}>`;
}

function fieldsOf(m: OutgoingMail, from: string): PlainMail {
  return { from, to: m.to, subject: m.mail.subject, text: m.mail.text, html: m.mail.html, messageId: messageId(m.id, from) };
}

/** SMTP through nodemailer (one pooled connection set per process). */
export function smtpTransport(url: string, from: string): MailTransport {
  const transporter: Transporter = nodemailer.createTransport(url, { pool: true, maxConnections: 4 } as never);
  return {
    name: 'smtp',
    async send(m) {
      const fields = fieldsOf(m, from);
      await transporter.sendMail(composeMail(fields) ?? fields);
    },
    close: () => transporter.close(),
  };
}

/** The development mailbox: each message as `<id>.eml` in a folder, so `npm start` needs no mail server. */
export function mailboxTransport(dir: string, from: string): MailTransport {
  // nodemailer's own composer, made for the first message composeMail leaves to it.
  let composer: Transporter | undefined;
  const composeWithNodemailer = async (fields: PlainMail): Promise<Buffer> => {
    composer ??= nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    return ((await composer.sendMail(fields)) as { message: Buffer }).message;
  };
  let made = false;
  return {
    name: 'mailbox',
    async send(m) {
      const fields = fieldsOf(m, from);
      const composed = composeMail(fields);
      const message = composed ? composed.raw.replace(/\r\n/g, '\n') : await composeWithNodemailer(fields);
      // A repeat of the same message overwrites its file: one file per message, whatever the attempts.
      // The folder is made once per process; a folder removed later makes the write fail, and the next attempt makes it again.
      // Written synchronously, as SQLite writes: a few kB into the page cache take about 40 µs of CPU,
      // where fs/promises' open, write and close through the thread pool took 150 µs per message.
      try {
        if (!made) mkdirSync(dir, { recursive: true });
        made = true;
        writeFileSync(join(dir, `${m.id}.eml`), message);
      } catch (e) {
        made = false;
        throw e;
      }
    },
    close: () => composer?.close(),
  };
}
