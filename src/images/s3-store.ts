import type { S3Client } from '@aws-sdk/client-s3';
import { sniffImage, type ImageMime } from './sniff.js';
import { HASH, type ImageStore } from './store.js';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket (`images` puts objects at `images/<hash>`); default none. */
  prefix?: string;
  /** An S3-compatible endpoint (MinIO, R2, s3rver…); default AWS. Path-style addressing is used with one. */
  endpoint?: string;
  /** Default AWS_REGION, else us-east-1. Credentials come from the SDK's usual chain (AWS_ACCESS_KEY_ID, …). */
  region?: string;
  /** Where browsers fetch images (a CDN or the bucket's public URL); default the shop's own `/images/`. */
  publicUrl?: string;
}

/** `s3://bucket/prefix` → bucket and prefix; null for anything else. */
export function parseS3Url(spec: string): { bucket: string; prefix: string } | null {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(spec);
  if (!m) return null;
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

type Sdk = typeof import('@aws-sdk/client-s3');

/**
 * Image bytes as objects `<prefix>/<sha256>` in an S3-compatible bucket. The SDK is an optional
 * dependency, loaded on first use, so a shop on the disk store never loads it. Objects are
 * immutable (content addressed): written once with a year-long cache header, never updated.
 */
export class S3ImageStore implements ImageStore {
  private sdk?: Promise<{ sdk: Sdk; client: S3Client }>;

  constructor(readonly options: S3StoreOptions) {}

  private connect(): Promise<{ sdk: Sdk; client: S3Client }> {
    return (this.sdk ??= import('@aws-sdk/client-s3').then(
      (sdk) => ({
        sdk,
        client: new sdk.S3Client({
          region: this.options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
          ...(this.options.endpoint ? { endpoint: this.options.endpoint, forcePathStyle: true } : {}),
        }),
      }),
      (e: unknown) => {
        this.sdk = undefined;
        throw new Error('IMAGE_STORE=s3://… needs the optional dependency @aws-sdk/client-s3', { cause: e });
      },
    ));
  }

  private key(hash: string): string {
    if (!HASH.test(hash)) throw new Error(`not a sha256 hex digest: ${hash}`);
    return this.options.prefix ? `${this.options.prefix}/${hash}` : hash;
  }

  async put(hash: string, bytes: Buffer, mime: ImageMime): Promise<void> {
    const { sdk, client } = await this.connect();
    await client.send(
      new sdk.PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.key(hash),
        Body: bytes,
        ContentType: mime,
        ContentLength: bytes.length,
        CacheControl: 'public, max-age=31536000, immutable',
      }),
    );
  }

  async get(hash: string): Promise<{ bytes: Buffer; mime: ImageMime } | null> {
    if (!HASH.test(hash)) return null;
    const { sdk, client } = await this.connect();
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(hash) }));
      const bytes = Buffer.from(await out.Body!.transformToByteArray());
      const info = sniffImage(bytes);
      return info ? { bytes, mime: info.mime } : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async has(hash: string): Promise<boolean> {
    if (!HASH.test(hash)) return false;
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(hash) }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  url(hash: string): string {
    const base = this.options.publicUrl ?? '/images/';
    return `${base.endsWith('/') ? base : `${base}/`}${hash}`;
  }

  async *list(): AsyncIterable<{ hash: string; modifiedAt: Date }> {
    const { sdk, client } = await this.connect();
    const prefix = this.options.prefix ? `${this.options.prefix}/` : '';
    let token: string | undefined;
    do {
      const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const hash = object.Key?.slice(prefix.length);
        if (hash && HASH.test(hash)) yield { hash, modifiedAt: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(hash: string): Promise<void> {
    const { sdk, client } = await this.connect();
    // S3 answers a delete of a missing key with success: deleting is idempotent.
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(hash) }));
  }

  /** Closes the SDK's sockets. */
  async close(): Promise<void> {
    const connected = await this.sdk?.catch(() => undefined);
    connected?.client.destroy();
    this.sdk = undefined;
  }
}

function isMissing(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
}
