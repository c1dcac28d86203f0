import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Driver, Executor } from '../db/driver.js';
import { Assignments, isUniqueViolation, now } from '../db/sql.js';
import { requireCustomer } from '../customers/service.js';
import * as v from '../validate.js';

export interface Review {
  id: number;
  productId: number;
  customerId: number;
  authorName: string;
  rating: number;
  title: string | null;
  text: string | null;
  /** The author had a non-cancelled order containing the product when the review was written. */
  verified: boolean;
  hidden: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewReview {
  rating: number;
  title?: string | null;
  text?: string | null;
}

export type ReviewPatch = Partial<NewReview>;

export interface ReviewPage {
  reviews: Review[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: number | null;
}

interface ReviewRow {
  id: number;
  product_id: number;
  customer_id: number;
  author_name: string;
  rating: number;
  title: string | null;
  body: string | null;
  verified: number;
  hidden: number;
  created_at: string;
  updated_at: string;
}

const REVIEW_SELECT = `SELECT r.id, r.product_id, r.customer_id, c.name AS author_name, r.rating, r.title, r.body, r.verified, r.hidden,
  r.created_at, r.updated_at FROM reviews r JOIN customers c ON c.id = r.customer_id`;

const toReview = (r: ReviewRow): Review => ({
  id: r.id,
  productId: r.product_id,
  customerId: r.customer_id,
  authorName: r.author_name,
  rating: r.rating,
  title: r.title,
  text: r.body,
  verified: r.verified === 1,
  hidden: r.hidden === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const MAX_REVIEW_TEXT = 5000;
export const MAX_REVIEW_TITLE = 200;
const rating = (value: unknown) => v.integer(value, 'rating', 1, 5);

/**
 * products.rating_sum / rating_count count exactly the visible reviews. Every change goes through
 * this one delta, in the same transaction as the review write, as an atomic increment.
 */
function adjustRating(tx: Executor, productId: number, sumDelta: number, countDelta: number): Promise<unknown> {
  return tx.run('UPDATE products SET rating_sum = rating_sum + ?, rating_count = rating_count + ? WHERE id = ?', [sumDelta, countDelta, productId]);
}

async function readReview(ex: Executor, reviewId: number): Promise<Review | null> {
  const row = await ex.get<ReviewRow>(`${REVIEW_SELECT} WHERE r.id = ?`, [reviewId]);
  return row ? toReview(row) : null;
}

export class ReviewService {
  constructor(private readonly db: Driver) {}

  /** A customer reviews a product once; a second review is a ConflictError (409). */
  async create(customerId: number, productId: number, input: NewReview): Promise<Review> {
    const cid = v.id(customerId, 'customerId');
    const pid = v.id(productId, 'productId');
    const r = v.record(input, 'review', ['rating', 'title', 'text']);
    const stars = rating(r.rating);
    const title = v.optionalText(r.title, 'title', MAX_REVIEW_TITLE);
    const body = v.optionalText(r.text, 'text', MAX_REVIEW_TEXT);
    try {
      const id = await this.db.transaction(async (tx) => {
        await requireCustomer(tx, cid);
        if (!(await tx.get('SELECT 1 AS one FROM products WHERE id = ?', [pid]))) throw new NotFoundError('Product', pid);
        if (await tx.get('SELECT 1 AS one FROM reviews WHERE product_id = ? AND customer_id = ?', [pid, cid])) throw duplicate(pid);
        const bought = await tx.get(
          `SELECT 1 AS one FROM order_items i JOIN orders o ON o.id = i.order_id
           WHERE o.customer_id = ? AND i.product_id = ? AND o.status <> 'cancelled' LIMIT 1`,
          [cid, pid],
        );
        const at = now();
        const row = await tx.get<{ id: number }>(
          `INSERT INTO reviews (product_id, customer_id, rating, title, body, verified, hidden, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) RETURNING id`,
          [pid, cid, stars, title, body, bought ? 1 : 0, at, at],
        );
        await adjustRating(tx, pid, stars, 1);
        return row!.id;
      });
      return (await readReview(this.db, id))!;
    } catch (e) {
      // Two first reviews raced (PostgreSQL): the unique index decides.
      if (isUniqueViolation(e)) throw duplicate(pid);
      throw e;
    }
  }

  /** The author edits their review; anybody else's review is not_found. */
  async edit(customerId: number, reviewId: number, patch: ReviewPatch): Promise<Review> {
    const cid = v.id(customerId, 'customerId');
    const rid = v.id(reviewId, 'reviewId');
    const p = v.record(patch, 'patch', ['rating', 'title', 'text']);
    const sets = new Assignments();
    const stars = p.rating === undefined ? undefined : rating(p.rating);
    if (stars !== undefined) sets.set('rating', stars);
    if (p.title !== undefined) sets.set('title', v.optionalText(p.title, 'title', MAX_REVIEW_TITLE));
    if (p.text !== undefined) sets.set('body', v.optionalText(p.text, 'text', MAX_REVIEW_TEXT));
    return this.db.transaction(async (tx) => {
      // Touching the row first locks it (PostgreSQL), so the rating read below is the one we replace.
      const current = await tx.get<{ product_id: number; rating: number; hidden: number }>(
        'UPDATE reviews SET updated_at = ? WHERE id = ? AND customer_id = ? RETURNING product_id, rating, hidden',
        [now(), rid, cid],
      );
      if (!current) throw new NotFoundError('Review', rid);
      if (!sets.empty) await tx.run(`UPDATE reviews SET ${sets.sql} WHERE id = ?`, [...sets.params, rid]);
      if (stars !== undefined && stars !== current.rating && current.hidden === 0) {
        await adjustRating(tx, current.product_id, stars - current.rating, 0);
      }
      return (await readReview(tx, rid))!;
    });
  }

  /** The author deletes their review; anybody else's review is not_found. */
  async delete(customerId: number, reviewId: number): Promise<void> {
    const cid = v.id(customerId, 'customerId');
    const rid = v.id(reviewId, 'reviewId');
    await this.db.transaction(async (tx) => {
      const gone = await tx.get<{ product_id: number; rating: number; hidden: number }>(
        'DELETE FROM reviews WHERE id = ? AND customer_id = ? RETURNING product_id, rating, hidden',
        [rid, cid],
      );
      if (!gone) throw new NotFoundError('Review', rid);
      if (gone.hidden === 0) await adjustRating(tx, gone.product_id, -gone.rating, -1);
    });
  }

  /** Admin moderation: a hidden review leaves the public list and the product's rating. */
  async setHidden(reviewId: number, hidden = true): Promise<Review> {
    const rid = v.id(reviewId, 'reviewId');
    if (typeof hidden !== 'boolean') throw new ValidationError('hidden must be a boolean', [{ path: 'hidden', message: 'must be a boolean' }]);
    return this.db.transaction(async (tx) => {
      // Conditional on the current flag, so two concurrent hides count once.
      const changed = await tx.get<{ product_id: number; rating: number }>(
        'UPDATE reviews SET hidden = ? WHERE id = ? AND hidden = ? RETURNING product_id, rating',
        [hidden ? 1 : 0, rid, hidden ? 0 : 1],
      );
      if (changed) await adjustRating(tx, changed.product_id, hidden ? -changed.rating : changed.rating, hidden ? -1 : 1);
      const review = await readReview(tx, rid);
      if (!review) throw new NotFoundError('Review', rid);
      return review;
    });
  }

  async get(reviewId: number): Promise<Review | null> {
    return readReview(this.db, v.id(reviewId, 'reviewId'));
  }

  /** Visible reviews of a product, newest first, keyset-paginated by id. */
  async listForProduct(productId: number, options: { limit?: number; cursor?: number } = {}): Promise<ReviewPage> {
    const pid = v.id(productId, 'productId');
    const o = v.record(options, 'options', ['limit', 'cursor']);
    const limit = v.integer(o.limit ?? 20, 'limit', 1, 100);
    const before = o.cursor === undefined || o.cursor === null ? Number.MAX_SAFE_INTEGER : v.id(o.cursor, 'cursor');
    const rows = await this.db.all<ReviewRow>(`${REVIEW_SELECT} WHERE r.product_id = ? AND r.hidden = 0 AND r.id < ? ORDER BY r.id DESC LIMIT ?`, [
      pid,
      before,
      limit + 1,
    ]);
    if (rows.length === 0 && !(await this.db.get('SELECT 1 AS one FROM products WHERE id = ?', [pid]))) throw new NotFoundError('Product', pid);
    const page = rows.slice(0, limit).map(toReview);
    return { reviews: page, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
  }

  /** The product's exact rating summary, from the counters kept with every review write. */
  async summary(productId: number): Promise<{ averageRating: number | null; reviewCount: number }> {
    const pid = v.id(productId, 'productId');
    const row = await this.db.get<{ rating_sum: number; rating_count: number }>('SELECT rating_sum, rating_count FROM products WHERE id = ?', [pid]);
    if (!row) throw new NotFoundError('Product', pid);
    return { averageRating: row.rating_count === 0 ? null : row.rating_sum / row.rating_count, reviewCount: row.rating_count };
  }
}

function duplicate(productId: number): ConflictError {
  return new ConflictError(`You have already reviewed product ${productId}; edit that review instead`, { productId });
}
