import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EcommercePlatform, NotFoundError, StorekeeperError, ValidationError } from '../../src/index.js';
import { sniffImage } from '../../src/images/sniff.js';
import { backends, type Backend } from '../backends.js';
import { expectError } from '../core/fixture.js';
import { jpeg, png, webp } from './image-fixtures.js';

/** A fresh platform whose images go to a temp dir of its own. */
function useImagePlatform(backend: Backend, maxImageBytes = 64 * 1024): { platform: EcommercePlatform; dir: string } {
  const ctx = {} as { platform: EcommercePlatform; dir: string };
  let cleanup: () => Promise<void> = async () => undefined;
  beforeEach(async () => {
    const fresh = await backend.create();
    ctx.dir = mkdtempSync(join(tmpdir(), 'sk-images-'));
    ctx.platform = await EcommercePlatform.open(fresh.url, { imageDir: ctx.dir, maxImageBytes });
    cleanup = async () => {
      await ctx.platform.close();
      await fresh.cleanup();
      rmSync(ctx.dir, { recursive: true, force: true });
    };
  });
  afterEach(async () => cleanup());
  return ctx;
}

describe('image type sniffing', () => {
  it('recognises JPEG, PNG and WebP by content, with their pixel size', () => {
    expect(sniffImage(png(3, 2))).toEqual({ mime: 'image/png', width: 3, height: 2 });
    expect(sniffImage(jpeg(640, 480))).toEqual({ mime: 'image/jpeg', width: 640, height: 480 });
    expect(sniffImage(webp(300, 200))).toEqual({ mime: 'image/webp', width: 300, height: 200 });
    expect(sniffImage(Buffer.from('just some text pretending to be a .png file'))).toBeNull();
    expect(sniffImage(Buffer.from('GIF89a......'))).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
  });
});

describe.each(backends)('product images on $name', (backend) => {
  const ctx = useImagePlatform(backend);

  it('stores by content hash, orders images, and the first is the main image', async () => {
    const p = await ctx.platform.addProduct({ name: 'Camera', price: 300, stock: 2 });
    const bytes = png(4, 4);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const first = await ctx.platform.addProductImage(p, bytes);
    expect(first).toMatchObject({ productId: p, position: 0, mime: 'image/png', size: bytes.length, width: 4, height: 4, hash, url: `/images/${hash}` });
    expect(readFileSync(join(ctx.dir, hash.slice(0, 2), hash))).toEqual(bytes);
    expect((await ctx.platform.getProduct(p))?.imageUrl).toBe(`/images/${hash}`);
    const second = await ctx.platform.addProductImage(p, jpeg(10, 20));
    const third = await ctx.platform.addProductImage(p, webp(5, 5));
    expect((await ctx.platform.getProductImages(p)).map((i) => [i.id, i.position])).toEqual([
      [first.id, 0],
      [second.id, 1],
      [third.id, 2],
    ]);
    expect(await ctx.platform.readImage(hash)).toEqual({ bytes, mime: 'image/png' });
    // Deleting the main image promotes the next one.
    await ctx.platform.removeProductImage(p, first.id);
    expect((await ctx.platform.getProductImages(p)).map((i) => [i.id, i.position])).toEqual([
      [second.id, 0],
      [third.id, 1],
    ]);
    expect((await ctx.platform.getProduct(p))?.imageUrl).toBe(second.url);
    await ctx.platform.moveProductImage(p, third.id, 0);
    expect((await ctx.platform.getProduct(p))?.imageUrl).toBe(third.url);
    await ctx.platform.removeProductImage(p, second.id);
    await ctx.platform.removeProductImage(p, third.id);
    expect(await ctx.platform.getProductImages(p)).toEqual([]);
    expect((await ctx.platform.getProduct(p))?.imageUrl).toBeNull();
    await expectError(ctx.platform.removeProductImage(p, third.id), NotFoundError, 'not_found');
  });

  it('rejects wrong types by content (415) and oversize files (413), writing nothing', async () => {
    const p = await ctx.platform.addProduct({ name: 'Camera', price: 300, stock: 2 });
    const renamedText = Buffer.from('This is a text file that somebody renamed to photo.png\n');
    const e = await expectError(ctx.platform.addProductImage(p, renamedText), StorekeeperError, 'unsupported_media_type');
    expect(e.statusCode).toBe(415);
    const big = Buffer.concat([png(1, 1), Buffer.alloc(64 * 1024)]);
    expect((await expectError(ctx.platform.addProductImage(p, big), StorekeeperError, 'payload_too_large')).statusCode).toBe(413);
    await expectError(ctx.platform.addProductImage(p, Buffer.alloc(0)), ValidationError, 'validation_failed');
    await expectError(ctx.platform.addProductImage(999, png(1, 1)), NotFoundError, 'not_found');
    expect(await ctx.platform.getProductImages(p)).toEqual([]);
    expect(existsSync(join(ctx.dir, createHash('sha256').update(renamedText).digest('hex').slice(0, 2)))).toBe(false);
  });

  it('the sweep deletes only unreferenced files past the grace period', async () => {
    const [a, b] = [await ctx.platform.addProduct({ name: 'A', price: 1, stock: 1 }), await ctx.platform.addProduct({ name: 'B', price: 1, stock: 1 })];
    const shared = await ctx.platform.addProductImage(a, png(2, 2));
    await ctx.platform.addProductImage(b, png(2, 2)); // the same bytes: one file
    const lonely = await ctx.platform.addProductImage(a, jpeg(3, 3));
    await ctx.platform.removeProductImage(a, shared.id);
    await ctx.platform.removeProductImage(a, lonely.id);
    const file = (hash: string) => join(ctx.dir, hash.slice(0, 2), hash);
    expect(await ctx.platform.sweepImages()).toBe(0); // within the grace period
    expect(existsSync(file(lonely.hash))).toBe(true);
    expect(await ctx.platform.sweepImages(0)).toBe(1);
    expect(existsSync(file(lonely.hash))).toBe(false);
    expect(existsSync(file(shared.hash))).toBe(true); // still product B's image
    expect((await ctx.platform.readImage(shared.hash))?.mime).toBe('image/png');
  });

  it('concurrent uploads to one product get distinct positions', async () => {
    const p = await ctx.platform.addProduct({ name: 'Gallery', price: 1, stock: 1 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => ctx.platform.addProductImage(p, png(i + 1, 1))));
    const images = await ctx.platform.getProductImages(p);
    expect(images.map((i) => i.position)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect((await ctx.platform.getProduct(p))?.imageUrl).toBe(images[0]!.url);
  });
});
