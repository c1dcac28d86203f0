import type { Driver } from '../db/driver.js';
import type { ImageStore } from './store.js';

export interface ImageCopyReport {
  /** Images the database refers to. */
  referenced: number;
  copied: number;
  /** Already in the target (content addressed: same hash, same bytes). */
  present: number;
  /** Referenced but absent from the source store: listed, not invented. */
  missing: string[];
}

/**
 * Copies every image the database refers to from one store to another (disk ↔ S3), e.g. before
 * switching IMAGE_STORE. Idempotent: run it again after a failure and it carries on.
 */
export async function copyImages(db: Driver, from: ImageStore, to: ImageStore, onImage?: (done: number, total: number) => void): Promise<ImageCopyReport> {
  const rows = await db.all<{ content_hash: string }>('SELECT DISTINCT content_hash FROM product_images ORDER BY content_hash');
  const report: ImageCopyReport = { referenced: rows.length, copied: 0, present: 0, missing: [] };
  for (const [i, { content_hash: hash }] of rows.entries()) {
    if (await to.get(hash)) report.present++;
    else {
      const image = await from.get(hash);
      if (!image) report.missing.push(hash);
      else {
        await to.put(hash, image.bytes, image.mime);
        report.copied++;
      }
    }
    onImage?.(i + 1, rows.length);
  }
  return report;
}
