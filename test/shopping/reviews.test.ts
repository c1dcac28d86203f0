import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError, type EcommercePlatform } from '../../src/index.js';
import { backends } from '../backends.js';
import { expectError, usePlatform } from '../core/fixture.js';

async function ratingOf(platform: EcommercePlatform, productId: number): Promise<{ sum: number; count: number }> {
  const [row] = await platform.query(`SELECT rating_sum AS s, rating_count AS n FROM products WHERE id = ${productId}`);
  return { sum: Number(row!.s), count: Number(row!.n) };
}

/** The counters must equal a recount of the visible reviews. */
async function expectExact(platform: EcommercePlatform, productId: number): Promise<void> {
  const [recount] = await platform.query(`SELECT COALESCE(SUM(rating), 0) AS s, COUNT(*) AS n FROM reviews WHERE product_id = ${productId} AND hidden = 0`);
  expect(await ratingOf(platform, productId)).toEqual({ sum: Number(recount!.s), count: Number(recount!.n) });
}

describe.each(backends)('reviews on $name', (backend) => {
  const ctx = usePlatform(backend);
  const customer = (i: number) => ctx.platform.createCustomer({ email: `r${i}@example.com`, name: `Reviewer ${i}` });

  it('one review per customer and product: a second is a 409 conflict', async () => {
    const p = await ctx.platform.addProduct({ name: 'Kettle', price: 30, stock: 5 });
    const c = await customer(1);
    expect(await ctx.platform.getProduct(p)).toMatchObject({ averageRating: null, reviewCount: 0 });
    const review = await ctx.platform.addReview(c, p, { rating: 4, title: ' Good ', text: 'Boils fast' });
    expect(review).toMatchObject({ productId: p, customerId: c, rating: 4, title: 'Good', text: 'Boils fast', verified: false, hidden: false });
    const err = await expectError(ctx.platform.addReview(c, p, { rating: 5 }), ConflictError, 'conflict');
    expect(err.statusCode).toBe(409);
    expect(await ratingOf(ctx.platform, p)).toEqual({ sum: 4, count: 1 });
  });

  it('validates rating 1-5, title and text lengths, and unknown products', async () => {
    const p = await ctx.platform.addProduct({ name: 'Kettle', price: 30, stock: 5 });
    const c = await customer(1);
    for (const rating of [0, 6, 3.5, '5']) await expectError(ctx.platform.addReview(c, p, { rating: rating as number }), ValidationError, 'validation_failed');
    await expectError(ctx.platform.addReview(c, p, { rating: 3, title: 'x'.repeat(201) }), ValidationError, 'validation_failed');
    await expectError(ctx.platform.addReview(c, p, { rating: 3, text: 'x'.repeat(5001) }), ValidationError, 'validation_failed');
    await expectError(ctx.platform.addReview(c, 999, { rating: 3 }), NotFoundError, 'not_found');
    expect((await ctx.platform.addReview(c, p, { rating: 3, text: 'x'.repeat(5000) })).text).toHaveLength(5000);
  });

  it('edit and delete only one’s own review; someone else’s is not_found', async () => {
    const p = await ctx.platform.addProduct({ name: 'Kettle', price: 30, stock: 5 });
    const [a, b] = [await customer(1), await customer(2)];
    const review = await ctx.platform.addReview(a, p, { rating: 2 });
    await expectError(ctx.platform.editReview(b, review.id, { rating: 5 }), NotFoundError, 'not_found');
    await expectError(ctx.platform.deleteReview(b, review.id), NotFoundError, 'not_found');
    const edited = await ctx.platform.editReview(a, review.id, { rating: 5, text: 'Changed my mind' });
    expect(edited).toMatchObject({ rating: 5, text: 'Changed my mind' });
    expect(await ratingOf(ctx.platform, p)).toEqual({ sum: 5, count: 1 });
    await ctx.platform.deleteReview(a, review.id);
    expect(await ratingOf(ctx.platform, p)).toEqual({ sum: 0, count: 0 });
    await expectError(ctx.platform.deleteReview(a, review.id), NotFoundError, 'not_found');
  });

  it('keeps rating_sum/rating_count exact through create, edit, hide, unhide and delete', async () => {
    const p = await ctx.platform.addProduct({ name: 'Lamp', price: 10, stock: 5 });
    const cs = await Promise.all([1, 2, 3, 4].map(customer));
    const rs = [];
    for (const [i, c] of cs.entries()) rs.push(await ctx.platform.addReview(c, p, { rating: i + 2 })); // 2,3,4,5
    expect(await ratingOf(ctx.platform, p)).toEqual({ sum: 14, count: 4 });
    await ctx.platform.editReview(cs[0]!, rs[0]!.id, { rating: 1 }); // 1,3,4,5
    expect(await ratingOf(ctx.platform, p)).toEqual({ sum: 13, count: 4 });
    await ctx.platform.hideReview(rs[3]!.id); // 1,3,4
    await ctx.platform.hideReview(rs[3]!.id); // twice counts once
    expect(await ratingOf(ctx.platform, p)).toEqual({ sum: 8, count: 3 });
    await ctx.platform.editReview(cs[3]!, rs[3]!.id, { rating: 1 }); // hidden: no effect
    expect(await ratingOf(ctx.platform, p)).toEqual({ sum: 8, count: 3 });
    await ctx.platform.deleteReview(cs[3]!, rs[3]!.id); // hidden: no effect
    expect(await ratingOf(ctx.platform, p)).toEqual({ sum: 8, count: 3 });
    await ctx.platform.hideReview(rs[1]!.id); // 1,4
    await ctx.platform.hideReview(rs[1]!.id, false); // 1,3,4
    await ctx.platform.deleteReview(cs[2]!, rs[2]!.id); // 1,3
    expect(await ratingOf(ctx.platform, p)).toEqual({ sum: 4, count: 2 });
    expect(await ctx.platform.getProduct(p)).toMatchObject({ averageRating: 2, reviewCount: 2 });
    await expectExact(ctx.platform, p);
    await expectError(ctx.platform.hideReview(9999), NotFoundError, 'not_found');
  });

  it('concurrent reviews, edits and hides leave the counters exact', async () => {
    const p = await ctx.platform.addProduct({ name: 'Popular', price: 10, stock: 5 });
    const cs = await Promise.all(Array.from({ length: 40 }, (_, i) => customer(i)));
    const created = await Promise.all(cs.map((c, i) => ctx.platform.addReview(c, p, { rating: (i % 5) + 1 })));
    // Duplicates race too: each must be a conflict, never a second row.
    const dupes = await Promise.allSettled(cs.slice(0, 10).map((c) => ctx.platform.addReview(c, p, { rating: 5 })));
    expect(dupes.every((d) => d.status === 'rejected' && d.reason instanceof ConflictError)).toBe(true);
    await Promise.all([
      ...created.slice(0, 10).map((r) => ctx.platform.editReview(r.customerId, r.id, { rating: 5 })),
      ...created.slice(0, 10).map((r) => ctx.platform.editReview(r.customerId, r.id, { rating: 1 })),
      ...created.slice(10, 20).map((r) => ctx.platform.hideReview(r.id)),
      ...created.slice(10, 20).map((r) => ctx.platform.hideReview(r.id)),
      ...created.slice(20, 30).map((r) => ctx.platform.deleteReview(r.customerId, r.id)),
    ]);
    await expectExact(ctx.platform, p);
    expect((await ratingOf(ctx.platform, p)).count).toBe(20);
  });

  it('verified = the author had a non-cancelled order with the product when reviewing', async () => {
    const p = await ctx.platform.addProduct({ name: 'Chair', price: 50, stock: 10 });
    const other = await ctx.platform.addProduct({ name: 'Table', price: 90, stock: 10 });
    const [buyer, cancelled, stranger] = [await customer(1), await customer(2), await customer(3)];
    await ctx.platform.addToCart(buyer, p, 1);
    await ctx.platform.createOrder(buyer);
    await ctx.platform.addToCart(cancelled, p, 1);
    await ctx.platform.cancelOrder(await ctx.platform.createOrder(cancelled));
    await ctx.platform.addToCart(stranger, other, 1);
    await ctx.platform.createOrder(stranger);
    expect((await ctx.platform.addReview(buyer, p, { rating: 5 })).verified).toBe(true);
    expect((await ctx.platform.addReview(cancelled, p, { rating: 1 })).verified).toBe(false);
    expect((await ctx.platform.addReview(stranger, p, { rating: 3 })).verified).toBe(false);
  });

  it('lists visible reviews newest first with keyset pages', async () => {
    const p = await ctx.platform.addProduct({ name: 'Book', price: 12, stock: 1 });
    const cs = await Promise.all(Array.from({ length: 7 }, (_, i) => customer(i)));
    const rs = [];
    for (const c of cs) rs.push(await ctx.platform.addReview(c, p, { rating: 4 }));
    await ctx.platform.hideReview(rs[5]!.id);
    const first = await ctx.platform.getProductReviews(p, { limit: 4 });
    expect(first.reviews.map((r) => r.id)).toEqual([rs[6]!.id, rs[4]!.id, rs[3]!.id, rs[2]!.id]);
    expect(first.reviews[0]!.authorName).toBe('Reviewer 6');
    const second = await ctx.platform.getProductReviews(p, { limit: 4, cursor: first.nextCursor! });
    expect(second.reviews.map((r) => r.id)).toEqual([rs[1]!.id, rs[0]!.id]);
    expect(second.nextCursor).toBeNull();
    await expectError(ctx.platform.getProductReviews(12345), NotFoundError, 'not_found');
  });
});
