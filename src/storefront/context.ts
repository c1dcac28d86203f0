import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/service.js';
import type { CartOwner } from '../cart/owner.js';
import { isStorekeeperError } from '../errors.js';
import { readCookie, setCookie } from '../web/cookies.js';
import { mountOf } from '../web/mount.js';
import type { EcommercePlatform } from '../platform.js';
import type { AssetRegistry } from '../web/assets.js';
import type { WebSession, WebSessions } from '../web/session.js';
import type { ShopConfig } from './config.js';

/** Everything the storefront's pages are rendered from, made once per server. */
export interface Storefront {
  platform: EcommercePlatform;
  auth: AuthService;
  sessions: WebSessions;
  assets: AssetRegistry;
  config: ShopConfig;
}

/** What the layout of one page needs about the shopper. */
export interface PageContext {
  shop: Storefront;
  session: WebSession | null;
  customerName: string | null;
  csrf: string;
  cartCount: number;
  /** The shop's base URL: SHOP_PUBLIC_URL or the request's origin, plus the mount prefix (if any). */
  origin: string;
  /** An absolute URL for a root-relative path of the shop (canonical links, structured data). */
  absolute(path: string): string;
  /** The header search box's current text. */
  query: string;
  /** Whose cart this browser fills: the account's, a guest cart's (cookie), or none yet. */
  owner: CartOwner | null;
  /** The shop's currency code, for prices. */
  currency: string;
}

/** The guest cart cookie, shared with the API (docs/COMMERCE.md). */
export const CART_COOKIE = 'sk_cart';
const CART_TTL_SECONDS = 30 * 24 * 3600;

/** The cart of this request: the account's when signed in, else the guest cart named by the cookie. */
export function cartOwnerOf(request: FastifyRequest, session: WebSession | null): CartOwner | null {
  if (session) return session.customerId;
  const token = readCookie(request, CART_COOKIE);
  return token && /^[A-Za-z0-9_-]{20,100}$/.test(token) ? { guestToken: token } : null;
}

export function setCartCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  setCookie(request, reply, CART_COOKIE, token, { path: '/', sameSite: 'Lax', maxAgeSeconds: token ? CART_TTL_SECONDS : 0 });
}

/** The owner's item count; a guest cart that has expired counts as no cart (its cookie is dropped). */
async function cartState(shop: Storefront, request: FastifyRequest, reply: FastifyReply, owner: CartOwner | null): Promise<{ owner: CartOwner | null; count: number }> {
  if (owner === null) return { owner, count: 0 };
  try {
    return { owner, count: (await shop.platform.getCart(owner)).reduce((n, line) => n + line.quantity, 0) };
  } catch (e) {
    if (typeof owner === 'object' && isStorekeeperError(e) && e.code === 'not_found') {
      setCartCookie(request, reply, '');
      return { owner: null, count: 0 };
    }
    throw e;
  }
}

export async function pageContext(shop: Storefront, request: FastifyRequest, reply: FastifyReply, session?: WebSession | null): Promise<PageContext> {
  const s = session === undefined ? await shop.sessions.read(request) : session;
  const owner = cartOwnerOf(request, s);
  const [customer, cart] = await Promise.all([s ? shop.platform.getCustomer(s.customerId) : null, cartState(shop, request, reply, owner)]);
  const q = (request.query as Record<string, unknown> | undefined)?.q;
  const origin = shop.config.publicUrl ?? `${request.protocol}://${request.host}`;
  const mount = mountOf(request);
  return {
    shop,
    session: s,
    customerName: customer?.name ?? null,
    csrf: shop.sessions.csrfToken(request, reply, s),
    cartCount: cart.count,
    origin: origin + mount.prefix,
    absolute: (path) => origin + mount.url(path),
    query: typeof q === 'string' ? q : '',
    owner: cart.owner,
    currency: shop.platform.shop.currency.code,
  };
}
