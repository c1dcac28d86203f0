import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from '../errors.js';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`: the scheme Stripe uses, for the test provider. */
export function signPayload(body: string | Buffer, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** Verifies before anything reads the body as JSON; `toleranceSeconds` bounds replays of an old delivery. */
export function verifyPayload(body: Buffer, header: string | undefined, secret: string, toleranceSeconds = 300): void {
  if (!header) throw new WebhookSignatureError('no signature header');
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const k = item.slice(0, eq).trim();
    parts.set(k, [...(parts.get(k) ?? []), item.slice(eq + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isSafeInteger(t)) throw new WebhookSignatureError('no timestamp');
  if (Math.abs(Date.now() / 1000 - t) > toleranceSeconds) throw new WebhookSignatureError('timestamp outside the tolerance');
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex'));
  const ok = (parts.get('v1') ?? []).some((sig) => {
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new WebhookSignatureError('no matching signature');
}
