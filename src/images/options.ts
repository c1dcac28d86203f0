import { dirname, join } from 'node:path';
import { isPostgresUrl } from '../db/open.js';
import { parseS3Url, S3ImageStore } from './s3-store.js';
import { DiskImageStore, type ImageStore } from './store.js';

export interface ImageOptions {
  /** Where uploaded images are kept, a directory or `s3://bucket/prefix`; default: IMAGE_STORE or IMAGE_DIR, else an `images` folder next to the SQLite file, else ./data/images. */
  imageDir?: string;
  /** Another store (e.g. S3-compatible); overrides imageDir. */
  imageStore?: ImageStore;
  /** Largest accepted upload in bytes (default 5 MiB). */
  maxImageBytes?: number;
}

/**
 * `IMAGE_STORE=s3://bucket/prefix` (with `S3_ENDPOINT` for a non-AWS service) or a directory;
 * `IMAGE_PUBLIC_URL` is where browsers fetch images (a CDN), default the shop's `/images/`.
 */
export function imageStoreFor(target: string, options: ImageOptions): ImageStore {
  if (options.imageStore) return options.imageStore;
  const publicUrl = publicUrlFrom(process.env.IMAGE_PUBLIC_URL);
  const spec = options.imageDir ?? (process.env.IMAGE_STORE || process.env.IMAGE_DIR);
  if (spec) return imageStoreAt(spec, publicUrl);
  if (publicUrl) return new DiskImageStore(defaultImageDir(target), publicUrl);
  return new DiskImageStore(defaultImageDir(target));
}

/** A store from its spec: `s3://bucket/prefix` or a directory. */
export function imageStoreAt(spec: string, publicUrl = publicUrlFrom(process.env.IMAGE_PUBLIC_URL)): ImageStore {
  const s3 = parseS3Url(spec);
  if (s3) return new S3ImageStore({ ...s3, endpoint: process.env.S3_ENDPOINT || undefined, publicUrl });
  if (spec.startsWith('s3:')) throw new Error(`IMAGE_STORE: '${spec}' is not s3://bucket/prefix`);
  return publicUrl ? new DiskImageStore(spec, publicUrl) : new DiskImageStore(spec);
}

function publicUrlFrom(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return value.endsWith('/') ? value : `${value}/`;
}

function defaultImageDir(target: string): string {
  const file = target.startsWith('sqlite:') ? target.slice('sqlite:'.length).replace(/^\/\//, '') : target;
  if (isPostgresUrl(target) || file === ':memory:' || file === '') return join('data', 'images');
  return join(dirname(file), 'images');
}
