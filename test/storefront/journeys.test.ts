import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { byText, fillGuestCheckout, HOME_ADDRESS, launchBrowser, seedShop, signInWithForm, tabTo } from './browser.js';

/** Real Chromium against a real server: the purchases the issue names, end to end. */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

describe.each(backends)('storefront journeys ($name)', (backend) => {
  let s: TestServer;
  let ids: Awaited<ReturnType<typeof seedShop>>;
  beforeAll(async () => {
    s = await startTestServer(backend);
    ids = await seedShop(s.platform);
  });
  afterAll(() => s?.close());

  it('a guest buys a variant from search to confirmation with JavaScript disabled', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${s.url}/`);
    await page.getByLabel('Search').fill('trail');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/\/search\?q=trail/);
    await page.getByRole('link', { name: 'Trail Running Shoe' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Trail Running Shoe');
    await page.getByLabel(/^43 · \$94\.00 · Only 2 left/).check();
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('is in your cart');
    await page.getByRole('link', { name: /^Cart 2/ }).waitFor();
    await page.getByRole('link', { name: /^Cart/ }).click();
    await page.getByRole('cell', { name: '$188.00' }).waitFor();
    await page.getByRole('button', { name: 'Checkout' }).click();
    await fillGuestCheckout(page, `guest-${backend.name}@example.com`);
    await page.getByRole('button', { name: 'Place order' }).click();
    const heading = page.getByRole('heading', { level: 1 });
    await expect.poll(() => heading.textContent()).toContain('Thank you');
    await page.getByText('Payment: Paid').waitFor();
    const orderId = Number(/#(\d+)/.exec((await heading.textContent()) ?? '')![1]);
    const order = await s.platform.getOrder(orderId);
    expect(order).toMatchObject({ status: 'pending', placedAsGuest: true, email: `guest-${backend.name}@example.com`, totalCents: 18800 });
    expect(order).toMatchObject({ paymentStatus: 'paid', paidCents: 18800 });
    expect(order!.items).toMatchObject([{ productId: ids.shoe, quantity: 2, variantTitle: '43' }]);
    expect(order!.shippingAddress).toMatchObject({ name: 'Gus Guest', city: 'Springfield', country: 'US' });
    expect((await s.platform.getProduct(ids.shoe))!.variants.map((v) => v.stock)).toEqual([10, 0]);
    await page.getByText('1 Main Street').waitFor();
    await context.close();
  });

  it('an account holder buys with the keyboard alone and finds the order in their history', async () => {
    const shopper = await s.shopper('Kim Keys');
    await s.platform.addAddress(shopper.id, HOME_ADDRESS);
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${s.url}/`);
    await tabTo(page, byText('Sign in'), 'the Sign in link');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/signin/);
    await tabTo(page, (f) => f.id === 'email', 'the Email field');
    await page.keyboard.type(shopper.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('correct horse battery');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account$/);
    await tabTo(page, (f) => f.id === 'q', 'the Search box');
    await page.keyboard.type('merino');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/search\?q=merino/);
    await tabTo(page, (f) => f.tag === 'a' && f.text.includes('Merino Wool Socks'), 'the product link');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/product\//);
    await tabTo(page, byText('Add to cart'), 'Add to cart');
    await page.keyboard.press('Enter');
    // With JavaScript the cart updates without a reload; the notice takes the focus.
    await expect.poll(() => page.getByRole('status').textContent()).toContain('is in your cart');
    await page.getByRole('link', { name: /^Cart 1/ }).waitFor();
    await tabTo(page, (f) => f.tag === 'a' && f.text.startsWith('Cart'), 'the Cart link');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/cart$/);
    await tabTo(page, byText('Checkout'), 'Checkout');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/checkout\??$/);
    await tabTo(page, (f) => f.id === 'card', 'the Card number field');
    await page.keyboard.type('4242424242424242');
    await tabTo(page, byText('Place order'), 'Place order');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/checkout\/thanks\/\d+$/);
    const heading = page.getByRole('heading', { level: 1 });
    await expect.poll(() => heading.textContent()).toContain('Thank you');
    const orderId = /#(\d+)/.exec((await heading.textContent()) ?? '')![1]!;
    await tabTo(page, byText('Account'), 'the Account link');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account$/);
    await tabTo(page, byText('Orders'), 'the Orders tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account\/orders$/);
    await tabTo(page, byText(`Order #${orderId}`), 'the order in the history');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`Order #${orderId}`);
    await page.getByText('Merino Wool Socks').waitFor();
    await expect.poll(() => page.locator('.timeline').textContent()).toContain('Pending');
    await context.close();
  });

  it('names the line whose stock ran out, in the cart and when placing the order', async () => {
    const shopper = await s.shopper('Late Larry');
    await s.platform.addAddress(shopper.id, HOME_ADDRESS);
    const product = await s.platform.addProduct({ name: 'Limited Print', priceCents: 5000, stock: 4, category: 'Art' });
    await s.platform.addToCart(shopper.id, product, 3);
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await signInWithForm(page, s.url, shopper.email, 'correct horse battery');
    await page.goto(`${s.url}/checkout`);
    // Someone else buys while this shopper looks at the checkout page.
    await s.platform.updateStock(product, -3);
    await page.getByLabel('Card number').fill('4242424242424242');
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('only 1 of “Limited Print” left');
    expect(await s.platform.getCustomerOrders(shopper.id)).toHaveLength(0);
    await page.goto(`${s.url}/cart`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('only 1 of “Limited Print” left');
    expect(await page.getByRole('button', { name: 'Checkout' }).isDisabled()).toBe(true);
    await page.getByLabel('Quantity of Limited Print').fill('1');
    await page.getByRole('button', { name: 'Update' }).click();
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);
    await expect.poll(() => page.getByRole('button', { name: 'Checkout' }).isEnabled()).toBe(true);
    await context.close();
  });

  it('a declined card leaves the order placed and payable: the shopper pays again with another card', async () => {
    const shopper = await s.shopper('Dee Clined');
    await s.platform.addAddress(shopper.id, HOME_ADDRESS);
    const product = await s.platform.addProduct({ name: 'Desk Lamp', priceCents: 3000, stock: 5, category: 'Home' });
    await s.platform.addToCart(shopper.id, product, 1);
    const context = await browser.newContext({ javaScriptEnabled: false });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await signInWithForm(page, s.url, shopper.email, 'correct horse battery');
    await page.goto(`${s.url}/checkout`);
    await page.getByLabel('Card number').fill('4000000000000002');
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('did not go through');
    const [order] = await s.platform.getCustomerOrders(shopper.id);
    expect(order).toMatchObject({ status: 'pending', paymentStatus: 'unpaid', paidCents: 0 });
    expect((await s.platform.getProduct(product))!.stock).toBe(4);
    await page.getByLabel('Card number').fill('4242424242424242');
    await page.getByRole('button', { name: 'Pay now' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain(`#${order!.id}`);
    await page.getByText('Payment: Paid').waitFor();
    expect(await s.platform.getOrder(order!.id)).toMatchObject({ paymentStatus: 'paid', paidCents: order!.totalCents });
    // Another shopper cannot open this order's pay page.
    expect((await fetch(`${s.url}/checkout/pay/${order!.id}`)).status).toBe(404);
    await context.close();
  });

  it('with JavaScript, updates results as the shopper types and edits the cart without a reload', async () => {
    const shopper = await s.shopper('Quick Quinn');
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await signInWithForm(page, s.url, shopper.email, 'correct horse battery');
    await page.goto(`${s.url}/search`);
    // A marker in the page's memory survives only if no navigation happens.
    await page.evaluate(() => Object.assign(window, { marker: 'same page' }));
    await page.getByLabel('Search').pressSequentially('merin', { delay: 30 });
    await expect.poll(() => page.locator('#results .card').count()).toBe(1);
    await page.getByRole('link', { name: 'Merino Wool Socks' }).waitFor();
    expect(page.url()).toContain('q=merin');
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
    // Elsewhere, suggestions appear under the box.
    await page.goto(`${s.url}/`);
    await page.getByLabel('Search').pressSequentially('trail', { delay: 30 });
    await page.locator('#suggestions').getByRole('link', { name: 'Trail Running Shoe' }).click();
    await page.waitForURL(/trail-running-shoe$/);
    await page.evaluate(() => Object.assign(window, { marker: 'product page' }));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('is in your cart');
    await page.getByRole('link', { name: 'Cart', exact: false }).click();
    await page.waitForURL(/\/cart$/);
    await page.evaluate(() => Object.assign(window, { marker: 'cart page' }));
    await page.getByLabel('Quantity of Trail Running Shoe (42)').fill('3');
    await page.getByLabel('Quantity of Trail Running Shoe (42)').press('Tab');
    await expect.poll(() => page.locator('td[data-label="Total"]').first().textContent()).toBe('$267.00');
    await expect.poll(() => page.locator('[data-cart-count]').textContent()).toBe('3');
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('cart page');
    expect((await s.platform.getCart(shopper.id))[0]).toMatchObject({ productId: ids.shoe, variantTitle: '42', quantity: 3 });
    await context.close();
  });

  it('shows a hostile product name as text and runs none of it', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') violations.push(m.text());
    });
    await page.goto(`${s.url}/product/${ids.xss}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('<script>alert(1)</script>');
    await page.getByText('<img src=x onerror=alert(2)>').waitFor();
    await page.goto(`${s.url}/search?q=script`);
    await page.getByRole('link', { name: '<script>alert(1)</script>' }).waitFor();
    expect(await page.locator('script:not([src]):not([type="application/ld+json"])').count()).toBe(0);
    expect(dialogs).toBe(0);
    await context.close();
  });
});
