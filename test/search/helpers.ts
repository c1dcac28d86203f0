import type { EcommercePlatform, Executor, NewProduct } from '../../src/index.js';

export { usePlatform as freshPlatform } from '../core/fixture.js';

/** Adds products one after another (so ids and creation times follow the list order); returns their ids. */
export async function addAll(platform: EcommercePlatform, products: NewProduct[]): Promise<number[]> {
  const ids: number[] = [];
  for (const p of products) ids.push(await platform.addProduct(p));
  return ids;
}

/** Stands in for the reviews service, which maintains these two columns. */
export async function setRatings(platform: EcommercePlatform, productId: number, ratings: number[]): Promise<void> {
  const sum = ratings.reduce((a, b) => a + b, 0);
  await platform.db.run('UPDATE products SET rating_sum = ?, rating_count = ? WHERE id = ?', [sum, ratings.length, productId]);
}

/** An Executor over the real database that counts the statements sent through it. */
export function countingExecutor(inner: Executor): Executor & { count: number } {
  const counter: Executor & { count: number } = {
    dialect: inner.dialect,
    count: 0,
    all: ((sql, params) => (counter.count++, inner.all(sql, params))) as Executor['all'],
    get: ((sql, params) => (counter.count++, inner.get(sql, params))) as Executor['get'],
    run: ((sql, params) => (counter.count++, inner.run(sql, params))) as Executor['run'],
  };
  return counter;
}
