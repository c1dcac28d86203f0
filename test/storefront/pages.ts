import type { TestServer } from '../http/helpers.js';
import type { seedShop } from './browser.js';

/** Signs in through the page form like a browser; returns the Cookie header to send afterwards. */
export async function signInCookie(s: TestServer, email: string, password = 'correct horse battery'): Promise<string> {
  const form = await s.app.inject({ url: '/signin' });
  const csrfCookie = String(form.headers['set-cookie']).split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const res = await s.app.inject({
    method: 'POST',
    url: '/signin',
    headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: token, email, password, next: '/account' }).toString(),
  });
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode}`);
  const session = [res.headers['set-cookie']].flat().map(String).find((c) => c.startsWith('sk_shop='))!;
  return `${csrfCookie}; ${session.split(';')[0]}`;
}

export interface ShopPages {
  /** Every page a shopper can reach, by a readable name; the signed-in ones need `cookie`. */
  pages: Record<string, string>;
  signedIn: ReadonlySet<string>;
  cookie: string;
  email: string;
}

/** A signed-in shopper with a past order and a line in the cart, and the URL of every page. */
export async function shopPages(s: TestServer, ids: Awaited<ReturnType<typeof seedShop>>): Promise<ShopPages> {
  const shopper = await s.shopper('Page Tester');
  const size42 = (await s.platform.getProduct(ids.shoe))!.variants[0]!.id;
  await s.platform.addToCart(shopper.id, ids.shoe, 1, { variantId: size42 });
  const orderId = await s.platform.createOrder(shopper.id);
  await s.platform.addToCart(shopper.id, ids.socks, 1);
  await s.platform.addAddress(shopper.id, { name: 'Page Tester', line1: '1 Test Street', city: 'Berlin', postalCode: '10115', country: 'DE', isDefault: true });
  const cookie = await signInCookie(s, shopper.email);
  const pages = {
    home: '/',
    listing: '/category/Footwear',
    search: '/search?q=shoe',
    all: '/search?inStock=1&sort=price_asc',
    product: `/product/${ids.shoe}/trail-running-shoe`,
    soldOut: `/product/${ids.jacket}/rain-jacket`,
    signin: '/signin',
    register: '/register',
    forgotPassword: '/forgot-password?sent=1',
    resetPassword: `/reset-password?token=${'A'.repeat(43)}`,
    confirmEmail: '/confirm-email',
    sizeFilter: '/category/Footwear?option.Size=43',
    notFound: '/no-such-page',
    cart: '/cart',
    checkout: '/checkout',
    confirmation: `/checkout/thanks/${orderId}`,
    account: '/account',
    orders: '/account/orders',
    order: `/account/orders/${orderId}`,
    addresses: '/account/addresses',
  };
  return { pages, signedIn: new Set(['cart', 'checkout', 'confirmation', 'account', 'orders', 'order', 'addresses']), cookie, email: shopper.email };
}
