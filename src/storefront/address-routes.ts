import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ADDRESS_FIELDS, type AddressInput } from '../addresses/address.js';
import { isStorekeeperError } from '../errors.js';
import { field, formOf, type FormBody } from '../web/form.js';
import { redirectAfterPost, sendPage } from '../web/page.js';
import type { WebSession } from '../web/session.js';
import { messagesOf } from './account-routes.js';
import { addressesPage, type AddressValues } from './address-pages.js';
import { pageContext, type Storefront } from './context.js';
import { page, sendError } from './handler.js';

const PUBLIC = { config: { auth: 'public' as const }, schema: { hide: true } };

/** The address fields of a form, optional ones left out when empty (the service validates them all). */
export function addressFromForm(form: FormBody): AddressInput {
  const out: Record<string, string> = {};
  for (const name of ADDRESS_FIELDS) {
    const value = field(form, name).trim();
    if (value !== '') out[name] = value;
  }
  return out as unknown as AddressInput;
}

export function addressValues(form: FormBody): AddressValues {
  return Object.fromEntries(ADDRESS_FIELDS.map((name) => [name, field(form, name)]));
}

/** The account's address book: list, add, make default, remove. */
export function addressRoutes(scope: FastifyInstance, shop: Storefront): void {
  const { platform, sessions } = shop;
  async function writer(request: FastifyRequest): Promise<WebSession | null> {
    const session = await sessions.read(request);
    sessions.verify(request, session);
    return session;
  }
  const idOf = (request: FastifyRequest) => {
    const { id } = request.params as { id: string };
    return /^\d{1,15}$/.test(id) ? Number(id) : 0;
  };

  scope.get(
    '/account/addresses',
    PUBLIC,
    page(shop, async (ctx, request, reply) => {
      if (!ctx.session) return reply.code(303).header('location', '/signin?next=%2Faccount%2Faddresses').send();
      return addressesPage(ctx, await platform.listAddresses(ctx.session.customerId), { saved: (request.query as Record<string, unknown>).saved === '1' });
    }),
  );

  scope.post('/account/addresses', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    if (!session) return redirectAfterPost(reply, '/signin?next=%2Faccount%2Faddresses');
    const form = formOf(request.body);
    try {
      await platform.addAddress(session.customerId, { ...addressFromForm(form), isDefault: field(form, 'isDefault') === '1' });
    } catch (e) {
      if (!isStorekeeperError(e) || !['validation_failed', 'conflict'].includes(e.code)) throw e;
      const ctx = await pageContext(shop, request, reply, session);
      const page = addressesPage(ctx, await platform.listAddresses(session.customerId), { values: addressValues(form), errors: messagesOf(e) });
      return sendPage(request, reply, page, { status: e.statusCode });
    }
    return redirectAfterPost(reply, '/account/addresses?saved=1');
  });

  scope.post('/account/addresses/:id/default', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    const id = idOf(request);
    if (!session || id === 0) return sendError(shop, request, reply, 404);
    await platform.updateAddress(session.customerId, id, { isDefault: true });
    return redirectAfterPost(reply, '/account/addresses');
  });

  scope.post('/account/addresses/:id/remove', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    const id = idOf(request);
    if (!session || id === 0) return sendError(shop, request, reply, 404);
    await platform.removeAddress(session.customerId, id);
    return redirectAfterPost(reply, '/account/addresses');
  });
}
