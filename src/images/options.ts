import { dirname, join } from 'node:path';
import { isPostgresUrl } from '../db/open.js';
import { DiskImageStore, type ImageStore } from './store.js';

export interface ImageOptions {
  /** Where uploaded images are kept; default: IMAGE_DIR, else an `images` folder next to the SQLite file, else ./data/images. */
  imageDir?: string;
  /** Another store (e.g. S3-compatible); overrides imageDir. */
  imageStore?: ImageStore;
  /** Largest accepted upload in bytes (default 5 MiB). */
  maxImageBytes?: number;
}

export function imageStoreFor(target: string, options: ImageOptions): ImageStore {
  if (options.imageStore) return options.imageStore;
  const dir = options.imageDir ?? process.env.IMAGE_DIR;
  if (dir) return new DiskImageStore(dir);
  const file = target.startsWith('sqlite:') ? target.slice('sqlite:'.length).replace(/^\/\//, '') : target;
  if (isPostgresUrl(target) || file === ':memory:' || file === '') return new DiskImageStore(join('data', 'images'));
  return new DiskImageStore(join(dirname(file), 'images'));
}
