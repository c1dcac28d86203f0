import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends } from '../backends.js';
import { jpeg, png } from './image-fixtures.js';
import { startShop, type Shop } from './http-server.js';

describe.each(backends)('shopping API on $name', (backend) => {
  let s: Shop;
  let admin: { token: string; id: number };
  let productId: number;
  beforeEach(async () => {
    s = await startShop(backend);
    admin = await s.admin();
    productId = await s.platform.addProduct({ name: 'Lamp', price: 19.99, stock: 50 });
  });
  afterEach(async () => s.close());

  it('reviews: public list with verified flags and rating, one per customer (409), author-only edits, admin hide', async () => {
    const [a, b] = [await s.shopper(), await s.shopper()];
    const created = await s.call('POST', `/api/products/${productId}/reviews`, { token: a.token, body: { rating: 4, title: 'Nice', text: 'Bright' } });
    expect(created.status).toBe(201);
    expect(created.body.review).toMatchObject({ rating: 4, title: 'Nice', text: 'Bright', verified: false });
    expect((await s.call('POST', `/api/products/${productId}/reviews`, { token: a.token, body: { rating: 5 } })).status).toBe(409);
    expect((await s.call('POST', `/api/products/${productId}/reviews`, { token: b.token, body: { rating: 6 } })).status).toBe(400);
    expect((await s.call('POST', `/api/products/${productId}/reviews`, { body: { rating: 5 } })).status).toBe(401);
    await s.call('POST', '/api/cart/items', { token: b.token, body: { productId, quantity: 1 } });
    expect((await s.call('POST', '/api/orders', { token: b.token })).status).toBe(201);
    const byBuyer = await s.call('POST', `/api/products/${productId}/reviews`, { token: b.token, body: { rating: 2 } });
    expect(byBuyer.body.review.verified).toBe(true);
    const id = created.body.review.id;
    expect((await s.call('PATCH', `/api/reviews/${id}`, { token: b.token, body: { rating: 1 } })).status).toBe(404);
    expect((await s.call('DELETE', `/api/reviews/${id}`, { token: b.token })).status).toBe(404);
    expect((await s.call('PATCH', `/api/reviews/${id}`, { token: a.token, body: { rating: 5 } })).body.review.rating).toBe(5);
    let list = await s.call('GET', `/api/products/${productId}/reviews?limit=1`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ averageRating: 3.5, reviewCount: 2 });
    expect(list.body.items).toHaveLength(1);
    const next = await s.call('GET', `/api/products/${productId}/reviews?limit=1&cursor=${list.body.nextCursor}`);
    expect(next.body.items[0].id).toBe(id);
    expect(next.body.nextCursor).toBeNull();
    expect((await s.call('POST', `/api/admin/reviews/${id}/hide`, { token: a.token })).status).toBe(403);
    expect((await s.call('POST', `/api/admin/reviews/${id}/hide`, { token: admin.token })).body.review.hidden).toBe(true);
    list = await s.call('GET', `/api/products/${productId}/reviews`);
    expect(list.body).toMatchObject({ averageRating: 2, reviewCount: 1 });
    expect((await s.call('DELETE', `/api/reviews/${byBuyer.body.review.id}`, { token: b.token })).status).toBe(204);
    expect((await s.call('GET', `/api/products/${productId}/reviews`)).body).toMatchObject({ items: [], averageRating: null, reviewCount: 0 });
  });

  it('price history (admin) records who changed the price; the product shows lowestPrice30d on sale', async () => {
    expect((await s.call('PATCH', `/api/products/${productId}`, { token: admin.token, body: { price: 24.99 } })).status).toBe(200);
    expect((await s.call('PATCH', `/api/products/${productId}`, { token: admin.token, body: { price: 14.99 } })).status).toBe(200);
    const history = await s.call('GET', `/api/products/${productId}/price-history`, { token: admin.token });
    expect(history.status).toBe(200);
    expect(history.body.items.map((h: { oldPriceCents: number; newPriceCents: number; changedBy: number }) => [h.oldPriceCents, h.newPriceCents, h.changedBy])).toEqual([
      [2499, 1499, admin.id],
      [1999, 2499, admin.id],
    ]);
    expect(history.body.lowestPrice30d).toBe(19.99);
    const first = await s.call('GET', `/api/products/${productId}/price-history?limit=1`, { token: admin.token });
    expect(first.body.items.map((h: { newPriceCents: number }) => h.newPriceCents)).toEqual([1499]);
    const rest = await s.call('GET', `/api/products/${productId}/price-history?limit=1&cursor=${first.body.nextCursor}`, { token: admin.token });
    expect(rest.body).toMatchObject({ nextCursor: null, items: [{ newPriceCents: 2499 }] });
    const shopper = await s.shopper();
    expect((await s.call('GET', `/api/products/${productId}/price-history`, { token: shopper.token })).status).toBe(403);
    const product = await s.call('GET', `/api/products/${productId}`);
    expect(product.body.product).toMatchObject({ price: 14.99, lowestPrice30d: 19.99, lowestPrice30dCents: 1999 });
  });

  it('discount codes: admin CRUD, the cart shows the discount, checkout stores it, 422 for a bad code', async () => {
    const created = await s.call('POST', '/api/admin/discount-codes', { token: admin.token, body: { code: 'spring15', type: 'percentage', value: 15, maxRedemptions: 5 } });
    expect(created.status).toBe(201);
    expect(created.body.discountCode).toMatchObject({ code: 'SPRING15', percentBasisPoints: 1500, redemptionCount: 0 });
    expect((await s.call('POST', '/api/admin/discount-codes', { token: admin.token, body: { code: 'SPRING15', type: 'fixed', value: 1 } })).status).toBe(409);
    expect((await s.call('POST', '/api/admin/discount-codes', { token: admin.token, body: { code: 'X', type: 'fixed', value: '1' } })).status).toBe(400);
    const shopper = await s.shopper();
    expect((await s.call('POST', '/api/admin/discount-codes', { token: shopper.token, body: { code: 'MINE', type: 'fixed', value: 1 } })).status).toBe(403);
    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId, quantity: 1 } });
    const bad = await s.call('POST', '/api/cart/discount', { token: shopper.token, body: { code: 'NOPE' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'discount_invalid', details: { code: 'NOPE', reason: 'unknown' } });
    const applied = await s.call('POST', '/api/cart/discount', { token: shopper.token, body: { code: 'spring15' } });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ subtotal: 19.99, subtotalCents: 1999, discount: 3, discountCents: 300, total: 16.99, totalCents: 1699, discountCode: 'SPRING15' });
    const cart = await s.call('GET', '/api/cart', { token: shopper.token });
    expect(cart.body).toMatchObject({ itemCount: 1, subtotalCents: 1999, discountCents: 300, totalCents: 1699, discountCode: 'SPRING15' });
    expect(cart.body.items).toHaveLength(1);
    const order = await s.call('POST', '/api/orders', { token: shopper.token, body: { expectedTotalCents: 1699 } });
    expect(order.status).toBe(201);
    expect(order.body.order).toMatchObject({ subtotalCents: 1999, discountCents: 300, totalCents: 1699, subtotal: 19.99, discount: 3, totalAmount: 16.99, discountCode: 'SPRING15' });
    const list = await s.call('GET', '/api/admin/discount-codes', { token: admin.token });
    expect(list.body.items[0]).toMatchObject({ code: 'SPRING15', redemptionCount: 1 });
    const off = await s.call('PATCH', '/api/admin/discount-codes/spring15', { token: admin.token, body: { active: false } });
    expect(off.body.discountCode.active).toBe(false);
    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId, quantity: 1 } });
    expect((await s.call('POST', '/api/cart/discount', { token: shopper.token, body: { code: 'SPRING15' } })).body.error.details.reason).toBe('inactive');
    expect((await s.call('DELETE', '/api/cart/discount', { token: shopper.token })).body).toMatchObject({ discountCode: null, totalCents: 1999 });
    expect((await s.call('PATCH', '/api/admin/discount-codes/NOPE', { token: admin.token, body: { active: false } })).status).toBe(404);
  });

  it('concurrent HTTP checkouts never redeem a code more often than allowed; a cancel gives a use back', async () => {
    await s.call('POST', '/api/admin/discount-codes', { token: admin.token, body: { code: 'FLASH', type: 'fixed', value: 5, maxRedemptions: 4 } });
    const shoppers = await Promise.all(Array.from({ length: 12 }, () => s.shopper()));
    for (const sh of shoppers) {
      await s.call('POST', '/api/cart/items', { token: sh.token, body: { productId, quantity: 1 } });
      expect((await s.call('POST', '/api/cart/discount', { token: sh.token, body: { code: 'flash' } })).body.totalCents).toBe(1499);
    }
    const results = await Promise.all(
      shoppers.map((sh, i) => s.call('POST', '/api/orders', { token: sh.token, headers: { 'idempotency-key': `flash-${i}` }, body: { expectedTotalCents: 1499 } })),
    );
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(ok).toHaveLength(4);
    expect(refused.map((r) => [r.status, r.body.error.code, r.body.error.details.reason])).toEqual(Array(8).fill([422, 'discount_invalid', 'exhausted']));
    expect((await s.platform.getProduct(productId))?.stock).toBe(46);
    const codes = await s.call('GET', '/api/admin/discount-codes', { token: admin.token });
    expect(codes.body.items[0].redemptionCount).toBe(4);
    // A refused shopper retries with the same key once a use is free again: the failure stored nothing.
    const winner = shoppers[results.indexOf(ok[0]!)]!;
    expect((await s.call('POST', `/api/orders/${ok[0]!.body.order.id}/cancel`, { token: winner.token })).status).toBe(200);
    expect((await s.call('GET', '/api/admin/discount-codes', { token: admin.token })).body.items[0].redemptionCount).toBe(3);
    const loser = results.findIndex((r) => r.status !== 201);
    const retry = await s.call('POST', '/api/orders', { token: shoppers[loser]!.token, headers: { 'idempotency-key': `flash-${loser}` }, body: { expectedTotalCents: 1499 } });
    expect(retry.status).toBe(201);
    expect(retry.body.order).toMatchObject({ discountCode: 'FLASH', discountCents: 500, totalCents: 1499 });
  });

  it('images: multipart upload (201), type by content (415), size limit (413), list, serve with ETag/304, delete', async () => {
    const upload = (bytes: Buffer, name: string, type: string, token = admin.token) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
      return fetch(`${s.url}/api/products/${productId}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    };
    const first = await upload(png(8, 6), 'photo.png', 'image/png');
    expect(first.status).toBe(201);
    const { image } = (await first.json()) as { image: { id: number; url: string; position: number; mime: string; size: number; width: number } };
    expect(image).toMatchObject({ position: 0, mime: 'image/png', width: 8 });
    expect(image.url).toMatch(/^\/images\/[0-9a-f]{64}$/);
    const second = await upload(jpeg(20, 10), 'x.jpg', 'image/jpeg');
    expect(second.status).toBe(201);

    const text = await upload(Buffer.from('I am only text, renamed to look like a picture'), 'evil.png', 'image/png');
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    const huge = await upload(Buffer.concat([png(1, 1), Buffer.alloc(5 * 1024 * 1024)]), 'huge.png', 'image/png');
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect((await upload(png(2, 2), 'a.png', 'image/png', (await s.shopper()).token)).status).toBe(403);
    const json = await s.call('POST', `/api/products/${productId}/images`, { token: admin.token, body: { file: 'x' } });
    expect(json.status).toBe(415);

    const list = await s.call('GET', `/api/products/${productId}/images`);
    expect(list.body.items.map((i: { position: number }) => i.position)).toEqual([0, 1]);
    expect((await s.call('GET', `/api/products/${productId}`)).body.product.imageUrl).toBe(image.url);

    const served = await fetch(s.url + image.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = served.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(png(8, 6));
    const again = await fetch(s.url + image.url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await fetch(s.url + image.url, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect((await fetch(`${s.url}/images/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${s.url}/images/not-a-hash`)).status).toBe(400);

    expect((await s.call('DELETE', `/api/products/${productId}/images/${image.id}`, { token: admin.token })).status).toBe(204);
    const after = await s.call('GET', `/api/products/${productId}/images`);
    expect(after.body.items).toHaveLength(1);
    expect((await s.call('GET', `/api/products/${productId}`)).body.product.imageUrl).toBe(after.body.items[0].url);
  });

  it('documents every shopping route in the OpenAPI', async () => {
    const doc = await s.call('GET', '/openapi.json');
    const paths = Object.keys(doc.body.paths);
    for (const p of [
      '/api/products/{id}/reviews',
      '/api/reviews/{id}',
      '/api/admin/reviews/{id}/hide',
      '/api/products/{id}/price-history',
      '/api/admin/discount-codes',
      '/api/admin/discount-codes/{code}',
      '/api/cart/discount',
      '/api/products/{id}/images',
      '/api/products/{id}/images/{imageId}',
    ]) {
      expect(paths).toContain(p);
    }
    expect(doc.body.paths['/api/products/{id}/reviews'].post.requestBody.content['application/json'].schema.properties.rating).toMatchObject({ minimum: 1, maximum: 5 });
  });
});
