import { Type } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { StorekeeperError, ValidationError } from '../errors.js';
import { Id, IdParams, Nullable, StringEnum, Timestamp } from '../http/schemas.js';
import type { App, RouteContext, Routes } from '../http/types.js';
import { IMAGE_MIMES } from './sniff.js';

export const ImageSchema = Type.Object(
  {
    id: Type.Integer(),
    productId: Type.Integer(),
    url: Type.String(),
    position: Type.Integer({ description: '0 is the main image' }),
    mime: StringEnum(IMAGE_MIMES),
    size: Type.Integer({ description: 'Bytes' }),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    hash: Type.String({ description: 'SHA-256 of the content' }),
    createdAt: Timestamp,
  },
  { additionalProperties: true },
);

const ImageParams = Type.Object({ id: Id, imageId: Id });
const Images = Type.Object({ items: Type.Array(ImageSchema) });
const tooLarge = (max: number) => new StorekeeperError('payload_too_large', `Images may be at most ${max} bytes`, { maxBytes: max });

/** Product images: admins upload (multipart), reorder and delete; anyone reads them, cached forever by hash. */
export const imageRoutes: Routes = (app, { platform }) => {
  const maxBytes = platform.images.maxBytes;
  // The multipart parser lives in its own encapsulated scope with the one route that takes it:
  // everywhere else a multipart body stays a 415 (docs/API.md, "Content types").
  void app.register(async (scope: App) => {
    await scope.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 5, parts: 6 } });
    uploadRoute(scope, platform, maxBytes);
  });

  app.get(
    '/api/products/:id/images',
    { config: { auth: 'public' }, schema: { tags: ['images'], summary: "A product's images in order", params: IdParams, response: { 200: Images } } },
    async (request) => ({ items: await platform.getProductImages(request.params.id) }),
  );

  app.patch(
    '/api/products/:id/images/:imageId',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['images', 'admin'],
        summary: 'Move an image (position 0 makes it the main image)',
        params: ImageParams,
        body: Type.Object({ position: Type.Integer({ minimum: 0, maximum: 10_000 }) }),
        response: { 200: Images },
      },
    },
    async (request) => ({ items: await platform.moveProductImage(request.params.id, request.params.imageId, request.body.position) }),
  );

  app.delete(
    '/api/products/:id/images/:imageId',
    { config: { auth: 'admin' }, schema: { tags: ['images', 'admin'], summary: 'Delete an image', params: ImageParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await platform.removeProductImage(request.params.id, request.params.imageId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/images/:hash',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['images'],
        summary: 'The image bytes; immutable (addressed by content), cached for a year, ETag and 304',
        params: Type.Object({ hash: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
        response: {
          200: { description: 'The image (JPEG, PNG, WebP or GIF)', content: { 'image/*': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) } } },
          304: Type.Unsafe<undefined>({ description: 'Not modified (the ETag matched)', type: 'null' }),
        },
      },
    },
    async (request, reply) => {
      const { hash } = request.params;
      const etag = `"${hash}"`;
      reply.header('cache-control', 'public, max-age=31536000, immutable').header('etag', etag);
      const match = request.headers['if-none-match'];
      // `*` matches any current representation, a tag only this one; neither when the image is gone.
      if (match !== undefined && match.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === etag) && (await platform.images.has(hash))) {
        return reply.code(304).send();
      }
      const image = await platform.readImage(hash);
      if (!image) {
        reply.removeHeader('cache-control').removeHeader('etag');
        throw new StorekeeperError('not_found', `Image ${hash} not found`);
      }
      return reply.type(image.mime).header('x-content-type-options', 'nosniff').send(image.bytes);
    },
  );
};

function uploadRoute(app: App, platform: RouteContext['platform'], maxBytes: number): void {
  app.post(
    '/api/products/:id/images',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['images', 'admin'],
        summary: 'Upload a product image (multipart/form-data, one file field)',
        description: `JPEG, PNG or WebP, judged by the content (else 415); at most ${maxBytes} bytes (else 413). The first image is the main image.`,
        consumes: ['multipart/form-data'],
        params: IdParams,
        response: { 201: Type.Object({ image: ImageSchema }) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new StorekeeperError('unsupported_media_type', 'Send the image as multipart/form-data');
      let bytes: Buffer;
      try {
        const file = await request.file();
        if (!file) throw new ValidationError('no file in the form', [{ path: 'file', message: 'is required' }]);
        bytes = await file.toBuffer();
        // The limit can be reached on the last chunk, after which toBuffer does not throw: check the flag too.
        if (file.file.truncated) throw tooLarge(maxBytes);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') throw tooLarge(maxBytes);
        throw e;
      }
      const image = await platform.addProductImage(request.params.id, bytes);
      return reply.code(201).send({ image });
    },
  );
}
