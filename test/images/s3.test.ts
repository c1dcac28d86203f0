import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { buildServer } from '../../src/http/server.js';
import type { App } from '../../src/http/types.js';
import { copyImages } from '../../src/images/copy.js';
import { imageStoreAt } from '../../src/images/options.js';
import { parseS3Url, S3ImageStore } from '../../src/images/s3-store.js';
import { DiskImageStore } from '../../src/images/store.js';
import { EcommercePlatform } from '../../src/index.js';
import { backends } from '../backends.js';
import { jpeg, png } from '../shopping/image-fixtures.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A real S3-compatible server (s3rver) on a fixed directory, restartable on the same port. */
class LocalS3 {
  private server?: S3rver;
  port = 0;
  constructor(readonly dir: string) {}
  async start(): Promise<void> {
    this.server = new S3rver({ address: '127.0.0.1', port: this.port, silent: true, directory: this.dir, configureBuckets: [{ name: 'shop', configs: [] }] });
    this.port = (await this.server.run()).port;
  }
  async stop(): Promise<void> {
    await this.server?.close();
  }
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}

const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  // s3rver checks signatures against its well-known key pair.
  for (const [k, v] of Object.entries({ AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('IMAGE_STORE parsing', () => {
  it('reads s3://bucket/prefix and refuses a malformed one', () => {
    expect(parseS3Url('s3://shop/images/')).toEqual({ bucket: 'shop', prefix: 'images' });
    expect(parseS3Url('s3://shop')).toEqual({ bucket: 'shop', prefix: '' });
    expect(parseS3Url('./data/images')).toBeNull();
    expect(() => imageStoreAt('s3://')).toThrow(/s3:\/\/bucket\/prefix/);
    const store = imageStoreAt('s3://shop/p', 'https://cdn.example/p/') as S3ImageStore;
    expect(store).toBeInstanceOf(S3ImageStore);
    expect(store.url('a'.repeat(64))).toBe(`https://cdn.example/p/${'a'.repeat(64)}`);
  });
});

describe.each(backends)('images in S3 (a local s3rver) on $name', (backend) => {
  let s3: LocalS3;
  let s3dir: string;
  let target: { url: string; cleanup: () => Promise<void> };
  let platform: EcommercePlatform;
  let app: App;
  let base: string;
  let admin: string;

  const store = () => new S3ImageStore({ bucket: 'shop', prefix: 'catalog/images', endpoint: s3.endpoint });
  const startShop = async () => {
    platform = await EcommercePlatform.open(target.url, { imageStore: store() });
    app = await buildServer(platform, { logger: false, authRateLimitPerMin: 10_000, auth: { scryptCost: 1024 } });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  };
  const stopShop = async () => {
    await app.close();
    await platform.close();
  };
  const upload = async (productId: number, bytes: Buffer, type: string) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type }), 'photo');
    return fetch(`${base}/api/products/${productId}/images`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: form });
  };

  beforeEach(async () => {
    s3dir = mkdtempSync(join(tmpdir(), 'sk-s3-'));
    s3 = new LocalS3(s3dir);
    await s3.start();
    target = await backend.create();
    await startShop();
    await new AuthService(platform.db, { scryptCost: 1024 }).createAdmin({ email: 'img@example.com', password: 'image admin 1' });
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'img@example.com', password: 'image admin 1' }) });
    admin = ((await login.json()) as { token: string }).token;
  });
  afterEach(async () => {
    await stopShop();
    await s3.stop();
    await target.cleanup();
    rmSync(s3dir, { recursive: true, force: true });
  });

  it('stores uploads as objects under the prefix and serves them, across a restart of both servers', async () => {
    const productId = await platform.addProduct({ name: 'Lamp', price: 40, stock: 3 });
    const bytes = png(6, 4);
    const res = await upload(productId, bytes, 'image/png');
    expect(res.status).toBe(201);
    const { image } = (await res.json()) as { image: { hash: string; url: string } };
    expect(image.hash).toBe(sha(bytes));
    expect(image.url).toBe(`/images/${image.hash}`);
    // The object is in the bucket, under the prefix, with its type.
    const listed: string[] = [];
    for await (const o of store().list()) listed.push(o.hash);
    expect(listed).toEqual([image.hash]);

    const served = await fetch(`${base}${image.url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);

    await stopShop();
    await s3.stop();
    await s3.start();
    await startShop();
    const again = await fetch(`${base}${image.url}`);
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer())).toEqual(bytes);
  });

  it('answers a missing object with the 404 error shape, not a 500', async () => {
    const productId = await platform.addProduct({ name: 'Vase', price: 25, stock: 1 });
    const bytes = jpeg(8, 8);
    const { image } = (await (await upload(productId, bytes, 'image/jpeg')).json()) as { image: { hash: string } };
    await store().delete(image.hash);
    const gone = await fetch(`${base}/images/${image.hash}`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const never = await fetch(`${base}/images/${'0'.repeat(64)}`);
    expect(never.status).toBe(404);
    // Deleting a key that is not there is fine (idempotent).
    await expect(store().delete(image.hash)).resolves.toBeUndefined();
  });

  it('copies every referenced image between a disk store and S3 (migrate-data --images-from/--images-to)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-disk-images-'));
    try {
      const disk = new DiskImageStore(dir);
      const productId = await platform.addProduct({ name: 'Rug', price: 90, stock: 2 });
      const onS3 = png(3, 3);
      const { image } = (await (await upload(productId, onS3, 'image/png')).json()) as { image: { hash: string } };
      // S3 → disk: everything referenced arrives.
      const toDisk = await copyImages(platform.db, store(), disk);
      expect(toDisk).toEqual({ referenced: 1, copied: 1, present: 0, missing: [] });
      expect(await disk.get(image.hash)).toEqual({ bytes: onS3, mime: 'image/png' });
      // Disk → S3 again after losing the object: copied back; a second run finds it present.
      await store().delete(image.hash);
      expect(await copyImages(platform.db, disk, store())).toEqual({ referenced: 1, copied: 1, present: 0, missing: [] });
      expect(await copyImages(platform.db, disk, store())).toEqual({ referenced: 1, copied: 0, present: 1, missing: [] });
      expect((await fetch(`${base}/images/${image.hash}`)).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
