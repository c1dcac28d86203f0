import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isPostgresUrl } from '../db/open.js';
import type { Order } from '../orders/service.js';
import type { EventType, StoreEvent } from './events.js';
import { TemplateStore, type RenderedMail } from './templates.js';

export interface MailSettings {
  /** `smtp://user:pass@host:port` or `smtps://…` (SMTP_URL); without it messages go to the dev mailbox. */
  smtpUrl?: string;
  /** The From header (MAIL_FROM; default `SHOP_NAME <shop@localhost>`). */
  from?: string;
  /** The shop's name in every message (SHOP_NAME; default Storekeeper). */
  shopName?: string;
  /** A folder of templates overriding the built-in ones (MAIL_TEMPLATES). */
  templatesDir?: string;
  /** Where the dev mailbox writes its .eml files (MAILBOX_DIR; default `mailbox` next to the SQLite file, else ./data/mailbox). */
  mailboxDir?: string;
  /**
   * Links in emails to the storefront's pages: `{base}/reset-password?token=…`, `{base}/confirm-email?token=…`
   * (SHOP_URL, else SHOP_PUBLIC_URL, the storefront's origin); without either only the code.
   */
  shopUrl?: string;
}

export interface OutgoingMail {
  /** The message's stable id (the outbox message's), the Message-ID's local part. */
  id: number;
  to: string;
  mail: RenderedMail;
}

export interface MailTransport {
  readonly name: 'smtp' | 'mailbox';
  send(message: OutgoingMail): Promise<void>;
  close(): void;
}

export function mailboxDirFor(target: string): string {
  const file = target.startsWith('sqlite:') ? target.slice('sqlite:'.length).replace(/^\/\//, '') : target;
  if (isPostgresUrl(target) || file === ':memory:' || file === '') return join('data', 'mailbox');
  return join(dirname(file), 'mailbox');
}

export function resolveMailSettings(target: string, given: MailSettings = {}): Required<Omit<MailSettings, 'smtpUrl' | 'templatesDir' | 'shopUrl'>> & MailSettings {
  const env = process.env;
  const shopName = given.shopName ?? (env.SHOP_NAME || 'Storekeeper');
  return {
    ...given,
    smtpUrl: given.smtpUrl ?? (env.SMTP_URL || undefined),
    shopName,
    from: given.from ?? (env.MAIL_FROM || `${shopName.replace(/["\\<>]/g, '')} <shop@localhost>`),
    templatesDir: given.templatesDir ?? (env.MAIL_TEMPLATES || undefined),
    mailboxDir: given.mailboxDir ?? (env.MAILBOX_DIR || mailboxDirFor(target)),
    shopUrl: given.shopUrl ?? (env.SHOP_URL || env.SHOP_PUBLIC_URL || undefined),
  };
}

export interface MailboxEntry {
  id: number;
  to: string;
  subject: string;
  date: string;
}

function header(raw: string, name: string): string {
  const match = new RegExp(`^${name}: (.*(?:\\n[ \\t].*)*)`, 'mi').exec(raw.split('\n\n', 1)[0] ?? '');
  return match ? match[1]!.replace(/\n[ \t]+/g, ' ').trim() : '';
}

/** The dev mailbox's messages, newest first. */
export async function listMailbox(dir: string, limit = 100): Promise<MailboxEntry[]> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch {
    return [];
  }
  const ids = files.map((f) => /^(\d+)\.eml$/.exec(f)?.[1]).filter((x): x is string => x !== undefined).map(Number).sort((a, b) => b - a).slice(0, limit);
  return Promise.all(
    ids.map(async (id) => {
      const raw = await readFile(join(dir, `${id}.eml`), 'utf8');
      return { id, to: header(raw, 'To'), subject: decodeSubject(header(raw, 'Subject')), date: header(raw, 'Date') };
    }),
  );
}

export async function readMailboxMessage(dir: string, id: number): Promise<string | null> {
  try {
    return await readFile(join(dir, `${id}.eml`), 'utf8');
  } catch {
    return null;
  }
}

/** RFC 2047 encoded words, as nodemailer writes non-ASCII subjects. */
function decodeSubject(value: string): string {
  return value.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
}

const moneyFormats = new Map<string, { f: Intl.NumberFormat; scale: number }>();

/** Money for people: the shop currency's symbol and decimals. */
export function formatMoney(cents: number, currency = 'USD'): string {
  // Building an Intl.NumberFormat costs far more than using one (it was 5% of a server's CPU with an email per order).
  let format = moneyFormats.get(currency);
  if (!format) {
    const f = new Intl.NumberFormat('en', { style: 'currency', currency });
    format = { f, scale: 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2) };
    if (moneyFormats.size < 200) moneyFormats.set(currency, format);
  }
  return format.f.format(cents / format.scale);
}

type OrderLike = Order & Record<string, unknown>;

function addressLines(address: unknown): string[] {
  if (typeof address === 'string') return address.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (address === null || typeof address !== 'object') return [];
  const a = address as Record<string, unknown>;
  const line = (...keys: string[]) => keys.map((k) => a[k]).filter((v) => typeof v === 'string' && v !== '').join(' ');
  return [line('name'), line('company'), line('line1'), line('line2'), line('postalCode', 'city'), line('region'), line('country')].filter((l) => l !== '');
}

/** What the order templates see: the order with every amount also as text. */
export function orderContext(order: OrderLike): Record<string, unknown> {
  const currency = typeof order.currency === 'string' ? order.currency : process.env.SHOP_CURRENCY || 'USD';
  const money = (cents: unknown) => (typeof cents === 'number' ? formatMoney(cents, currency) : undefined);
  const lines = addressLines(order.shippingAddress ?? order.address);
  return {
    ...order,
    // A product without options has one variant titled "Default": no title worth showing.
    items: order.items.map((i) => ({
      ...i,
      variantTitle: (i as { variantTitle?: unknown }).variantTitle === 'Default' ? undefined : (i as { variantTitle?: unknown }).variantTitle,
      priceText: money(i.priceCents),
      subtotalText: money(i.subtotalCents),
    })),
    subtotalText: money(order.subtotalCents),
    discountText: money(order.discountCents),
    shippingText: money(order.shippingCents),
    taxText: money(order.taxCents),
    totalText: money(order.totalCents),
    shippingAddressLines: lines,
    shippingAddressText: lines.join('\n'),
  };
}

/** Renders the email of an outbox message from its event and its private part (a one-time token). */
export async function renderEventMail(
  templates: TemplateStore,
  settings: { shopName: string; shopUrl?: string },
  template: string,
  event: StoreEvent<EventType>,
  secret: Record<string, string> | null,
): Promise<RenderedMail> {
  const data = event.data as unknown as Record<string, unknown>;
  const token = secret?.token;
  const page = template === 'password-reset' ? 'reset-password' : 'confirm-email';
  const link = token && settings.shopUrl ? `${settings.shopUrl.replace(/\/+$/, '')}/${page}?token=${encodeURIComponent(token)}` : undefined;
  const context: Record<string, unknown> = { ...data, shopName: settings.shopName, token, link };
  if (data.order) context.order = orderContext(data.order as OrderLike);
  return templates.render(template, context);
}
