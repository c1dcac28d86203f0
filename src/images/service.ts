import { createHash } from 'node:crypto';
import { NotFoundError, StorekeeperError, ValidationError } from '../errors.js';
import type { Driver, Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import * as v from '../validate.js';
import { sniffImage, type ImageMime } from './sniff.js';
import type { ImageStore } from './store.js';

export interface ProductImage {
  id: number;
  productId: number;
  url: string;
  /** 0 is the main image. */
  position: number;
  mime: ImageMime;
  size: number;
  width: number | null;
  height: number | null;
  hash: string;
  createdAt: string;
}

interface ImageRow {
  id: number;
  product_id: number;
  position: number;
  content_hash: string;
  mime: ImageMime;
  size: number;
  width: number | null;
  height: number | null;
  created_at: string;
}

const COLUMNS = 'id, product_id, position, content_hash, mime, size, width, height, created_at';
export const DEFAULT_MAX_IMAGE_BYTES = 5 * 1024 * 1024;

export class ImageService {
  constructor(
    private readonly db: Driver,
    readonly store: ImageStore,
    readonly maxBytes = DEFAULT_MAX_IMAGE_BYTES,
  ) {}

  private toImage = (r: ImageRow): ProductImage => ({
    id: r.id,
    productId: r.product_id,
    url: this.store.url(r.content_hash),
    position: r.position,
    mime: r.mime,
    size: r.size,
    width: r.width,
    height: r.height,
    hash: r.content_hash,
    createdAt: r.created_at,
  });

  /**
   * Adds an image after the product's others (the first becomes its main image and imageUrl).
   * The type comes from the bytes: JPEG, PNG or WebP, else 415; over the size limit, 413.
   */
  async add(productId: number, bytes: Buffer): Promise<ProductImage> {
    const pid = v.id(productId, 'productId');
    if (!Buffer.isBuffer(bytes)) throw new ValidationError('image must be a Buffer', [{ path: 'image', message: 'must be a Buffer' }]);
    if (bytes.length === 0) throw new ValidationError('the image is empty', [{ path: 'image', message: 'is empty' }]);
    if (bytes.length > this.maxBytes) throw tooLarge(this.maxBytes);
    const info = sniffImage(bytes);
    if (!info) throw new StorekeeperError('unsupported_media_type', 'Images must be JPEG, PNG or WebP (judged by their content)');
    if (!(await this.db.get('SELECT 1 AS one FROM products WHERE id = ?', [pid]))) throw new NotFoundError('Product', pid);
    const hash = createHash('sha256').update(bytes).digest('hex');
    // The file first, outside the transaction (whose body may only touch the database); a file
    // left by a failed insert is harmless, being addressed by its content.
    await this.store.put(hash, bytes, info.mime);
    const row = await this.db.transaction(async (tx) => {
      if (!(await lockProduct(tx, pid))) throw new NotFoundError('Product', pid);
      const last = await tx.get<{ n: number | null }>('SELECT MAX(position) AS n FROM product_images WHERE product_id = ?', [pid]);
      const position = last?.n === null || last?.n === undefined ? 0 : last.n + 1;
      const inserted = await tx.get<ImageRow>(
        `INSERT INTO product_images (product_id, position, content_hash, mime, size, width, height, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        [pid, position, hash, info.mime, bytes.length, info.width, info.height, now()],
      );
      if (position === 0) await this.syncMainImage(tx, pid);
      return inserted!;
    });
    // A sweep that took the file away between our put and our commit found no row yet: the row
    // is committed now, so a later sweep will keep the file; write it again if it went.
    if (!(await this.has(hash))) await this.store.put(hash, bytes, info.mime);
    return this.toImage(row);
  }

  /** The product's images in order; the first is the main image. */
  async list(productId: number): Promise<ProductImage[]> {
    const pid = v.id(productId, 'productId');
    const rows = await this.db.all<ImageRow>(`SELECT ${COLUMNS} FROM product_images WHERE product_id = ? ORDER BY position, id`, [pid]);
    if (rows.length === 0 && !(await this.db.get('SELECT 1 AS one FROM products WHERE id = ?', [pid]))) throw new NotFoundError('Product', pid);
    return rows.map(this.toImage);
  }

  /** Removes one image; the ones after it move up, and imageUrl follows the new main image. */
  async remove(productId: number, imageId: number): Promise<void> {
    const pid = v.id(productId, 'productId');
    const iid = v.id(imageId, 'imageId');
    await this.db.transaction(async (tx) => {
      if (!(await lockProduct(tx, pid))) throw new NotFoundError('Product', pid);
      const gone = await tx.get<{ position: number }>('DELETE FROM product_images WHERE id = ? AND product_id = ? RETURNING position', [iid, pid]);
      if (!gone) throw new NotFoundError('Image', iid);
      await tx.run('UPDATE product_images SET position = position - 1 WHERE product_id = ? AND position > ?', [pid, gone.position]);
      if (gone.position === 0) await this.syncMainImage(tx, pid);
    });
  }

  /** Moves an image to `position` (0 makes it the main image), shifting the others. */
  async move(productId: number, imageId: number, position: number): Promise<ProductImage[]> {
    const pid = v.id(productId, 'productId');
    const iid = v.id(imageId, 'imageId');
    const to = v.integer(position, 'position', 0, 10_000);
    await this.db.transaction(async (tx) => {
      if (!(await lockProduct(tx, pid))) throw new NotFoundError('Product', pid);
      const ids = (await tx.all<{ id: number }>('SELECT id FROM product_images WHERE product_id = ? ORDER BY position, id', [pid])).map((r) => r.id);
      const from = ids.indexOf(iid);
      if (from < 0) throw new NotFoundError('Image', iid);
      ids.splice(from, 1);
      ids.splice(Math.min(to, ids.length), 0, iid);
      for (const [i, id] of ids.entries()) await tx.run('UPDATE product_images SET position = ? WHERE id = ?', [i, id]);
      await this.syncMainImage(tx, pid);
    });
    return this.list(pid);
  }

  /**
   * Deletes stored files no image row references (deleting an image keeps its file, as other
   * products may share the bytes). Only files untouched for `graceMs` go: an upload writes its file
   * before its row, and reusing an existing file refreshes its time. Returns the number deleted.
   */
  async sweep(graceMs = 60 * 60 * 1000): Promise<number> {
    const store = this.store;
    if (!store.list || !store.delete) return 0;
    const cutoff = Date.now() - v.integer(graceMs, 'graceMs', 0, Number.MAX_SAFE_INTEGER);
    const candidates: string[] = [];
    for await (const file of store.list()) if (file.modifiedAt.getTime() <= cutoff) candidates.push(file.hash);
    if (candidates.length === 0) return 0;
    const referenced = new Set((await this.db.all<{ content_hash: string }>('SELECT DISTINCT content_hash FROM product_images')).map((r) => r.content_hash));
    const unreferenced = async (hash: string) => !(await this.db.get('SELECT 1 AS one FROM product_images WHERE content_hash = ? LIMIT 1', [hash]));
    let deleted = 0;
    for (const hash of candidates) {
      if (referenced.has(hash)) continue;
      if (store.deleteIf) {
        // The file is taken out of reach first, then the references are read again: an upload
        // committing after that read finds the file gone and writes it again (see add).
        if (await store.deleteIf(hash, () => unreferenced(hash))) deleted++;
      } else if (await unreferenced(hash)) {
        await store.delete(hash);
        deleted++;
      }
    }
    return deleted;
  }

  /** Whether an image with these bytes is stored. */
  has(hash: string): Promise<boolean> {
    return this.store.has ? this.store.has(hash) : this.store.get(hash).then((f) => f !== null);
  }

  /** The bytes behind /images/:hash, or null. */
  read(hash: string): Promise<{ bytes: Buffer; mime: ImageMime } | null> {
    return this.store.get(hash);
  }

  /** products.image_url is the main image's URL (null once the last image is gone). */
  private async syncMainImage(tx: Executor, productId: number): Promise<void> {
    const main = await tx.get<{ content_hash: string }>(
      'SELECT content_hash FROM product_images WHERE product_id = ? ORDER BY position, id LIMIT 1',
      [productId],
    );
    await tx.run('UPDATE products SET image_url = ? WHERE id = ?', [main ? this.store.url(main.content_hash) : null, productId]);
  }
}

/** Serialises image edits of one product (PostgreSQL row lock), so positions never collide. */
async function lockProduct(tx: Executor, productId: number): Promise<boolean> {
  return (await tx.run('UPDATE products SET updated_at = ? WHERE id = ?', [now(), productId])).changes === 1;
}

function tooLarge(max: number): StorekeeperError {
  return new StorekeeperError('payload_too_large', `Images may be at most ${max} bytes (${(max / 1024 / 1024).toFixed(1)} MiB)`, { maxBytes: max });
}
