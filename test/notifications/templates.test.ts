import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoreEvent } from '../../src/notifications/events.js';
import { formatMoney, renderEventMail } from '../../src/notifications/mail.js';
import { renderTemplate, TemplateStore } from '../../src/notifications/templates.js';

/** An order as checkout with variants, shipping, tax and addresses records it (docs/COMMERCE.md). */
const order = {
  id: 42,
  customerId: 7,
  customerName: 'Ann <Admin>',
  customerEmail: 'ann@example.com',
  status: 'pending',
  currency: 'EUR',
  subtotalCents: 5000,
  discountCents: 500,
  discountCode: 'SPRING',
  shippingCents: 490,
  taxCents: 855,
  totalCents: 5845,
  shippingAddress: { name: 'Ann Example', line1: 'Hauptstr. 1', line2: null, city: 'Berlin', region: null, postalCode: '10115', country: 'DE', phone: null },
  items: [
    { productId: 1, productName: 'T-shirt', variantTitle: 'M / Blue', quantity: 2, priceCents: 1500, subtotalCents: 3000 },
    { productId: 2, productName: 'Mug', variantTitle: 'Default', quantity: 1, priceCents: 2000, subtotalCents: 2000 },
  ],
  statusHistory: [],
};
const event = { id: 1, type: 'order.placed', createdAt: '2026-12-01T00:00:00.000Z', data: { order } } as unknown as StoreEvent;

describe('mail templates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-templates-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the order confirmation shows lines with variant titles, discount, shipping, tax, total and the shipping address in the shop currency', async () => {
    const mail = await renderEventMail(new TemplateStore(undefined), { shopName: 'Berlin Shirts' }, 'order-placed', event, null);
    expect(mail.subject).toBe('Berlin Shirts: order #42 confirmed');
    for (const line of [
      '- 2 x T-shirt (M / Blue) at €15.00: €30.00',
      '- 1 x Mug at €20.00: €20.00',
      'Subtotal: €50.00',
      'Discount (SPRING): -€5.00',
      'Shipping: €4.90',
      'Tax: €8.55',
      'Total: €58.45',
      'Ann Example\nHauptstr. 1\n10115 Berlin\nDE',
    ]) {
      expect(mail.text).toContain(line);
    }
    expect(mail.text).not.toMatch(/\n\n\n/);
    // HTML escapes what came from data; text keeps it as it is.
    expect(mail.html).toContain('Ann &lt;Admin&gt;');
    expect(mail.html).not.toContain('<Admin>');
    expect(mail.text).toContain('Hello Ann <Admin>');
  });

  it('MAIL_TEMPLATES overrides file by file; a missing file falls back to the built-in one', async () => {
    writeFileSync(join(dir, 'order-placed.txt'), 'Subject: Yours, {{order.customerName}}\n\n{{#order.items}}{{productName}};{{/order.items}} {{order.totalText}}\n');
    const mail = await renderEventMail(new TemplateStore(dir), { shopName: 'S' }, 'order-placed', event, null);
    expect(mail.subject).toBe('Yours, Ann <Admin>');
    expect(mail.text).toBe('T-shirt;Mug; €58.45\n');
    expect(mail.html).toContain('Order #42 confirmed');
  });

  it('sections: lists, present and absent values', () => {
    expect(renderTemplate('{{#xs}}[{{.}}]{{/xs}}{{^ys}}none{{/ys}}{{#n}}N={{n}}{{/n}}{{#z}}Z{{/z}}', { xs: ['a', 'b'], ys: [], n: 3, z: 0 }, false)).toBe('[a][b]noneN=3');
  });

  it('money follows the currency’s decimals', () => {
    expect(formatMoney(123456, 'USD')).toBe('$1,234.56');
    expect(formatMoney(1234, 'JPY')).toBe('¥1,234');
    expect(formatMoney(1255, 'KWD')).toMatch(/^KWD\s1\.255$/);
  });
});
