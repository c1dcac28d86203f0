import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/service.js';
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
  /** The request's origin, for canonical links when SHOP_PUBLIC_URL is not set. */
  origin: string;
  /** The header search box's current text. */
  query: string;
}

export async function pageContext(shop: Storefront, request: FastifyRequest, reply: FastifyReply, session?: WebSession | null): Promise<PageContext> {
  const s = session === undefined ? await shop.sessions.read(request) : session;
  let customerName: string | null = null;
  let cartCount = 0;
  if (s) {
    const [customer, cart] = await Promise.all([shop.platform.getCustomer(s.customerId), shop.platform.getCart(s.customerId)]);
    customerName = customer?.name ?? null;
    cartCount = cart.reduce((n, line) => n + line.quantity, 0);
  }
  const q = (request.query as Record<string, unknown> | undefined)?.q;
  return {
    shop,
    session: s,
    customerName,
    csrf: shop.sessions.csrfToken(request, reply, s),
    cartCount,
    origin: shop.config.publicUrl ?? `${request.protocol}://${request.host}`,
    query: typeof q === 'string' ? q : '',
  };
}
