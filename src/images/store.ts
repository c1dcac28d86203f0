import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sniffImage, type ImageMime } from './sniff.js';

/**
 * Where image bytes live, addressed by their SHA-256 (hex). Content addressing makes writes
 * idempotent and lets every copy be cached forever. A disk store ships; an S3-compatible one
 * implements the same three methods.
 */
export interface ImageStore {
  put(hash: string, bytes: Buffer, mime: ImageMime): Promise<void>;
  get(hash: string): Promise<{ bytes: Buffer; mime: ImageMime } | null>;
  /** The public URL the image is served at. */
  url(hash: string): string;
}

export const HASH = /^[0-9a-f]{64}$/;

/** Files under `dir/ab/abcdef…` (two-level fan-out keeps directories small). */
export class DiskImageStore implements ImageStore {
  constructor(
    readonly dir: string,
    private readonly urlPrefix = '/images/',
  ) {}

  private path(hash: string): string {
    if (!HASH.test(hash)) throw new Error(`not a sha256 hex digest: ${hash}`);
    return join(this.dir, hash.slice(0, 2), hash);
  }

  async put(hash: string, bytes: Buffer): Promise<void> {
    const path = this.path(hash);
    if (await stat(path).then(() => true, () => false)) return;
    await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
    // Write then rename: a reader never sees a half-written file, and concurrent puts of one hash are harmless.
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, path);
  }

  async get(hash: string): Promise<{ bytes: Buffer; mime: ImageMime } | null> {
    if (!HASH.test(hash)) return null;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path(hash));
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return null;
      throw e;
    }
    const info = sniffImage(bytes);
    return info ? { bytes, mime: info.mime } : null;
  }

  url(hash: string): string {
    return `${this.urlPrefix}${hash}`;
  }
}
