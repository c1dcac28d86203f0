import { mkdir, open, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
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
  /** For the sweep of unreferenced files: every stored hash with its last write time. */
  list?(): AsyncIterable<{ hash: string; modifiedAt: Date }>;
  delete?(hash: string): Promise<void>;
  /** Whether the bytes are stored (cheaper than get); used to re-check after a race with the sweep. */
  has?(hash: string): Promise<boolean>;
  /**
   * Deletes the file only if `unreferenced()`, asked after the file was taken out of reach, still
   * says so; else puts it back. Returns whether it was deleted. Closes the race with an upload
   * that reuses the file between the sweep's check and its delete (see ImageService.sweep).
   */
  deleteIf?(hash: string, unreferenced: () => Promise<boolean>): Promise<boolean>;
  /** Releases connections; the platform calls it on close. */
  close?(): Promise<void>;
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
    if (await stat(path).then(() => true, () => false)) {
      // Refresh the time so a sweep's grace period protects a file being reused right now.
      const t = new Date();
      await utimes(path, t, t);
      return;
    }
    const dir = join(this.dir, hash.slice(0, 2));
    await mkdir(dir, { recursive: true });
    // Write, fsync, rename, fsync the directory: a reader never sees a half-written file, concurrent
    // puts of one hash are harmless, and the file is on stable storage before its row is committed.
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const file = await open(temp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    await syncDir(dir);
  }

  async has(hash: string): Promise<boolean> {
    return HASH.test(hash) && (await stat(this.path(hash)).then(() => true, () => false));
  }

  async deleteIf(hash: string, unreferenced: () => Promise<boolean>): Promise<boolean> {
    const path = this.path(hash);
    const trash = `${path}.${randomBytes(6).toString('hex')}.sweep`;
    try {
      await rename(path, trash);
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return false;
      throw e;
    }
    if (await unreferenced().catch(() => false)) {
      await unlink(trash);
      return true;
    }
    // Referenced after all: put it back (an upload may have written the same bytes meanwhile).
    await rename(trash, path);
    return false;
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

  async *list(): AsyncIterable<{ hash: string; modifiedAt: Date }> {
    const fanout = await readdir(this.dir).catch(() => [] as string[]);
    for (const sub of fanout) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const name of await readdir(join(this.dir, sub))) {
        if (!HASH.test(name)) continue;
        const info = await stat(join(this.dir, sub, name)).catch(() => null);
        if (info) yield { hash: name, modifiedAt: info.mtime };
      }
    }
  }

  async delete(hash: string): Promise<void> {
    await unlink(this.path(hash)).catch((e: { code?: string }) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
