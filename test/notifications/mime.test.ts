import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMail, type PlainMail } from '../../src/notifications/mime.js';
import { mailboxTransport } from '../../src/notifications/transports.js';

// What a standard parser reads back from composeMail's output must be exactly what went in.
const cases: Array<[string, PlainMail]> = [
  [
    'an order email',
    {
      from: 'Test Shop <shop@example.com>',
      to: 'ann@example.com',
      subject: 'Test Shop: order #42 confirmed',
      text: 'Hello Ann,\n\n- 2 x T-shirt (M / Blue) at €15.00: €30.00\nTotal: €58.45\n',
      html: '<!doctype html><html><body><p>Hello Ann,</p><table><tr><td>T-shirt</td><td style="text-align:right">€30.00</td></tr></table></body></html>',
      messageId: '<notification-42@example.com>',
    },
  ],
  [
    'non-ASCII names and subject, long lines, "=" signs, trailing spaces, CRLF and lone CR',
    {
      from: 'Café Müller & Söhne <hallo@example.com>',
      to: '"Ann, the buyer" <ann@example.com>',
      subject: `Bestellung #7 bestätigt –${' sehr lange Betreffzeile'.repeat(6)}`,
      text: `a=b  \nline with trailing space \r\n${'x'.repeat(300)}\nend\rcr ✓ 😀`,
      html: `<p style="a=b">${'<span>ü</span>'.repeat(80)}</p>\n`,
      messageId: '<notification-7@example.com>',
    },
  ],
];

describe('composeMail', () => {
  for (const [name, mail] of cases) {
    it(`reads back unchanged: ${name}`, async () => {
      const composed = composeMail(mail, new Date('2026-12-07T10:00:00Z'));
      expect(composed).not.toBeNull();
      const raw = composed!.raw;
      // RFC 5322: CRLF only, no line over 998 characters; quoted-printable keeps ours at 76.
      expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      expect(Math.max(...raw.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(78);
      const parsed = await simpleParser(raw);
      expect(parsed.subject).toBe(mail.subject);
      // Every line break is sent as CRLF, as quoted-printable defines it, and read back as LF.
      expect(parsed.text).toBe(mail.text.replace(/\r\n|\r|\n/g, '\n'));
      expect(parsed.html).toBe(mail.html);
      expect(parsed.messageId).toBe(mail.messageId);
      expect(parsed.date?.toISOString()).toBe('2026-12-07T10:00:00.000Z');
      const from = (await simpleParser(`From: ${mail.from}\r\n\r\n`)).from!.value[0]!;
      expect(parsed.from!.value[0]).toMatchObject({ name: from.name, address: from.address });
      const to = (await simpleParser(`To: ${mail.to}\r\n\r\n`)).to as { value: Array<{ name: string; address: string }> };
      expect((parsed.to as typeof to).value[0]).toMatchObject(to.value[0]!);
      expect(composed!.envelope).toEqual({ from: from.address, to: [to.value[0]!.address] });
    });
  }

  it('leaves to nodemailer what it does not write: non-ASCII addresses and groups', () => {
    const base = cases[0]![1];
    expect(composeMail({ ...base, to: 'jörg@exämple.de' })).toBeNull();
    expect(composeMail({ ...base, to: 'Team: a@example.com, b@example.com;' })).toBeNull();
    expect(composeMail({ ...base, to: 'a@example.com, b@example.com' })).toBeNull();
  });

  it('the dev mailbox writes such a message through nodemailer, and ours itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-mime-'));
    const transport = mailboxTransport(dir, 'Test Shop <shop@example.com>');
    try {
      const mail = { subject: 'Grüße', text: 'Hallo ✓\n', html: '<p>Hallo ✓</p>' };
      await transport.send({ id: 1, to: 'jörg@exämple.de', mail });
      await transport.send({ id: 2, to: 'ann@example.com', mail });
      for (const [id, to] of [[1, 'jörg@exämple.de'], [2, 'ann@example.com']] as const) {
        const parsed = await simpleParser(readFileSync(join(dir, `${id}.eml`)));
        expect((parsed.to as { value: Array<{ address: string }> }).value[0]!.address).toBe(to);
        expect(parsed.subject).toBe('Grüße');
        expect(parsed.text).toBe('Hallo ✓\n');
        expect(parsed.messageId).toBe(`<notification-${id}@example.com>`);
      }
    } finally {
      transport.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
