import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { backends } from '../backends.js';
import { startTestServer, tableCounts, type TestServer } from '../http/helpers.js';
import { eventually, headerOf, tempMailbox, textPart } from '../notifications/fakes.js';
import { launchBrowser, signInWithForm } from './browser.js';

const FAST = { pollMs: 20, leaseMs: 2_000, retryScheduleMs: [40, 40], allowPrivate: true };

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

/** Forgotten password and email confirmation through the pages the emails link to, with JavaScript off. */
describe.each(backends)('storefront password reset and email confirmation ($name)', (backend) => {
  let s: TestServer;
  let mailbox: string;
  beforeAll(async () => {
    s = await startTestServer(backend);
    mailbox = tempMailbox();
    s.platform.startJobs({ ...FAST, mail: { mailboxDir: mailbox, shopName: 'Test Shop', shopUrl: s.url } });
  });
  afterAll(() => s?.close());

  /** The text of every message to `to` whose subject contains `subject`, once there are `count`. */
  async function mailTo(to: string, subject: string, count = 1): Promise<string[]> {
    let found: string[] = [];
    await eventually(
      () => {
        found = readdirSync(mailbox)
          .filter((f) => f.endsWith('.eml'))
          .sort()
          .map((f) => readFileSync(join(mailbox, f), 'utf8'))
          .filter((raw) => headerOf(raw, 'To').includes(to) && headerOf(raw, 'Subject').includes(subject));
        return found.length >= count;
      },
      20_000,
      `${count} × "${subject}" to ${to}`,
    );
    return found.map(textPart);
  }
  const linkIn = (text: string, page: string) => new RegExp(`(http://\\S+/${page}\\?token=[A-Za-z0-9_%-]+)`).exec(text)?.[1];

  async function noJsPage(): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled: false });
    context.setDefaultTimeout(10_000);
    return context.newPage();
  }

  it('"Forgot password?" from sign-in: the same answer for any address, the email links to the reset page, the new password works once', async () => {
    const shopper = await s.shopper('Rosa Reset');
    const page = await noJsPage();
    await page.goto(`${s.url}/signin`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL(/\/forgot-password$/);

    // An address without an account: the same page, the same words, and no email.
    await page.getByLabel('Email').fill(`nobody-${backend.name}@example.com`);
    await page.getByRole('button', { name: 'Send reset code' }).click();
    await page.waitForURL(/\/forgot-password\?sent=1$/);
    const unknownAnswer = await page.getByRole('status').textContent();
    await page.getByLabel('Email').fill(shopper.email);
    await page.getByRole('button', { name: 'Send reset code' }).click();
    await page.waitForURL(/\/forgot-password\?sent=1$/);
    expect(await page.getByRole('status').textContent()).toBe(unknownAnswer);
    expect(unknownAnswer).toContain('If an account uses this address');

    const [text] = await mailTo(shopper.email, 'reset your password');
    const link = linkIn(text!, 'reset-password')!;
    expect(link.startsWith(`${s.url}/reset-password?token=`)).toBe(true);
    expect(await s.platform.db.all('SELECT COUNT(*) AS n FROM notifications WHERE recipient = ?', [`nobody-${backend.name}@example.com`])).toEqual([{ n: 0 }]);

    await page.goto(link);
    expect(await page.getByLabel('Code from the email').inputValue()).toBe(new URL(link).searchParams.get('token'));
    await page.getByLabel('New password').fill('a brand new secret');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.waitForURL(/\/signin\?reset=1$/);
    expect(await page.getByRole('status').textContent()).toContain('Your password is changed');
    // The old API session was ended by the reset.
    expect((await s.call('GET', '/api/me', { token: shopper.token })).status).toBe(401);
    await signInWithForm(page, s.url, shopper.email, 'a brand new secret');

    // The code works once: the same link again is refused, with the form kept and nothing written.
    const before = await tableCounts(s.platform);
    await page.goto(link);
    await page.getByLabel('New password').fill('yet another secret');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('invalid, expired or already used');
    expect(await tableCounts(s.platform)).toEqual(before);
    await page.context().close();
  });

  it('a too-short password or a malformed address is refused on the page with the reason, writing nothing', async () => {
    const res = await s.app.inject({ url: '/forgot-password' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)![1]!;
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    const post = (url: string, form: Record<string, string>) =>
      s.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf, ...form }).toString() });
    const before = await tableCounts(s.platform);
    const bad = await post('/forgot-password', { email: 'not an address' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Enter an email address');
    const short = await post('/reset-password', { token: 'x'.repeat(43), password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.headers['content-type']).toContain('text/html');
    const wrong = await post('/reset-password', { token: 'x'.repeat(43), password: 'long enough password' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('invalid, expired or already used');
    const noCsrf = await s.app.inject({ method: 'POST', url: '/forgot-password', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'email=a%40example.com' });
    expect(noCsrf.statusCode).toBe(403);
    expect(await tableCounts(s.platform)).toEqual(before);
  });

  it('registering sends a welcome email whose link opens the confirmation page; the button confirms the address once', async () => {
    const page = await noJsPage();
    const email = `confirm-${backend.name}@example.com`;
    await page.goto(`${s.url}/register`);
    await page.getByLabel('Full name').fill('Cora Confirm');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/account$/);

    const [text] = await mailTo(email, 'Welcome');
    const link = linkIn(text!, 'confirm-email')!;
    expect(link).toBeDefined();
    // Opening the link (as a mail scanner would) confirms nothing: it is a page with a button.
    await page.goto(link);
    expect(await s.platform.db.all('SELECT email_verified_at FROM customers WHERE email = ?', [email])).toEqual([{ email_verified_at: null }]);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.waitForURL(/\/confirm-email\?confirmed=1$/);
    expect(await page.getByRole('status').textContent()).toContain('confirmed');
    const [row] = await s.platform.db.all('SELECT email_verified_at FROM customers WHERE email = ?', [email]);
    expect(row!.email_verified_at).not.toBeNull();

    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('already used');
    await page.context().close();
  });
});
