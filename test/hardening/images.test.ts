import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskImageStore } from '../../src/images/store.js';
import { buildServer } from '../../src/http/server.js';
import { EcommercePlatform } from '../../src/index.js';
import { backends, type Backend } from '../backends.js';
import { png } from '../shopping/image-fixtures.js';

/** A real disk store whose put can be held after the file is written (before the row is inserted). */
class HeldStore extends DiskImageStore {
  hold: Promise<void> | undefined;
  written: (() => void) | undefined;
  override async put(hash: string, bytes: Buffer): Promise<void> {
    await super.put(hash, bytes);
    this.written?.();
    if (this.hold) await this.hold;
  }
}

describe.each(backends)('image files against the sweep on $name', (backend: Backend) => {
  let dir: string;
  let store: HeldStore;
  let platform: EcommercePlatform;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sk-images-'));
    store = new HeldStore(dir);
    const target = await backend.create();
    cleanup = target.cleanup;
    platform = await EcommercePlatform.open(target.url, { imageStore: store });
  });
  afterEach(async () => {
    await platform.close();
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a sweep that deletes the file between an upload’s write and its row leaves no row without a file', async () => {
    const product = await platform.addProduct({ name: 'Lamp', price: 10, stock: 1 });
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));
    const written = new Promise<void>((r) => (store.written = r));
    const upload = platform.addProductImage(product, png(3, 3));
    await written; // barrier: the file is there, its row is not
    store.hold = undefined;
    expect(await platform.sweepImages(0)).toBe(1); // unreferenced at this instant: the sweep may take it
    release();
    const image = await upload;
    expect(existsSync(join(dir, image.hash.slice(0, 2), image.hash))).toBe(true);
    expect((await platform.readImage(image.hash))?.mime).toBe('image/png');
    // From now on the row protects it.
    expect(await platform.sweepImages(0)).toBe(0);
    expect(await platform.readImage(image.hash)).not.toBeNull();
  });

  it('If-None-Match: * or the tag answers 304 only for a stored image; an unknown hash is a 404', async () => {
    const product = await platform.addProduct({ name: 'Lamp', price: 10, stock: 1 });
    const image = await platform.addProductImage(product, png(2, 2));
    const app = await buildServer(platform, { logger: false });
    try {
      const get = (hash: string, tag: string) => app.inject({ method: 'GET', url: `/images/${hash}`, headers: { 'if-none-match': tag } });
      expect((await get(image.hash, '*')).statusCode).toBe(304);
      expect((await get(image.hash, `"${image.hash}"`)).statusCode).toBe(304);
      expect((await get(image.hash, `W/"${image.hash}", "other"`)).statusCode).toBe(304);
      expect((await get(image.hash, '"other"')).statusCode).toBe(200);
      const unknown = 'f'.repeat(64);
      for (const tag of ['*', `"${unknown}"`]) {
        const r = await get(unknown, tag);
        expect(r.statusCode, tag).toBe(404);
        expect(r.json().error.code).toBe('not_found');
      }
    } finally {
      await app.close();
    }
  });
});
