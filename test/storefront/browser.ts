import { chromium, type Browser, type Page } from 'playwright-core';
import type { EcommercePlatform } from '../../src/index.js';

/** Debian's Chromium, as CI installs it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

interface Focused {
  tag: string;
  id: string;
  text: string;
  href: string | null;
}

/** Presses Tab until the focused element matches; fails if it never does (an unreachable control). */
export async function tabTo(page: Page, matches: (f: Focused) => boolean, what: string, max = 80): Promise<Focused> {
  // A previous Enter may still be navigating: start from the loaded page.
  await page.waitForLoadState('load');
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return {
        tag: el?.tagName.toLowerCase() ?? '',
        id: el?.id ?? '',
        text: (el?.getAttribute('aria-label') ?? el?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        href: el?.getAttribute('href') ?? null,
      };
    });
    if (matches(focused)) return focused;
  }
  throw new Error(`Tab never reached ${what}`);
}

export const byText = (text: string) => (f: Focused) => f.text === text || f.text.startsWith(`${text} `);

/** A small catalogue for the journeys: a normal product, a scarce one, a sold-out one and a hostile name. */
export async function seedShop(platform: EcommercePlatform): Promise<{ shoe: number; socks: number; jacket: number; xss: number }> {
  const shoe = await platform.addProduct({
    name: 'Trail Running Shoe',
    description: 'Grippy soles for muddy paths',
    priceCents: 8900,
    category: 'Footwear',
    options: [{ name: 'Size', values: ['42', '43'] }],
    variants: [
      { sku: 'TRS-42', options: { Size: '42' }, stock: 10 },
      { sku: 'TRS-43', options: { Size: '43' }, stock: 2, priceCents: 9400 },
    ],
  });
  const socks = await platform.addProduct({ name: 'Merino Wool Socks', description: 'Warm and soft', priceCents: 1500, stock: 3, category: 'Footwear' });
  const jacket = await platform.addProduct({ name: 'Rain Jacket', description: 'Packs into its pocket', priceCents: 12000, stock: 0, category: 'Outerwear' });
  const xss = await platform.addProduct({ name: '<script>alert(1)</script>', description: '<img src=x onerror=alert(2)>', priceCents: 100, stock: 5, category: 'Toys' });
  return { shoe, socks, jacket, xss };
}

export const HOME_ADDRESS = { name: 'Kim Keys', line1: '5 Key Road', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB', isDefault: true };

export async function signInWithForm(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/account$/);
}

/** Fills the guest checkout form as a shopper would (the test card that is accepted); the caller places the order. */
export async function fillGuestCheckout(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Full name').fill('Gus Guest');
  await page.getByLabel('Address', { exact: true }).fill('1 Main Street');
  await page.getByLabel('City').fill('Springfield');
  await page.getByLabel('Postal code').fill('12345');
  await page.getByLabel('Country').selectOption('US');
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
}
