import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../errors.js';
import { NotFoundError } from '../../errors.js';
import { toCents } from '../../money.js';
import type { Product, ProductOption } from '../../catalog/service.js';
import { field, formOf, intField, type FormBody } from '../../web/form.js';
import { csrfInput } from '../../web/csrf.js';
import { html } from '../../web/html.js';
import { redirectAfterPost } from '../../web/page.js';
import { guard, idParam, PAGE, param, pathId, render, type AdminContext } from '../context.js';
import { money, nextLink, notice, when } from '../layout.js';
import { latestMovements } from '../queries.js';
import { optionsFrom, optionsStep, variantEditor, variantRows, variantsFrom } from './variants.js';

/** A price typed in a form ("12.5", "12.50") to integer minor units. */
export function priceField(form: FormBody, name: string): number {
  const text = field(form, name).trim();
  if (!/^\d{1,10}(\.\d{1,2})?$/.test(text)) {
    throw new ValidationError(`${name} must be an amount like 12.50`, [{ path: name, message: 'must be an amount with at most two decimals' }]);
  }
  return toCents(Number(text), name);
}

function productForm(csrf: string, action: string, p: Partial<Product> | null, submit: string, options: readonly ProductOption[] = []) {
  return html`<form method="post" action="${action}" class="card stack">
    ${csrfInput(csrf)}
    <p><label for="name">Name</label><input id="name" name="name" required maxlength="200" value="${p?.name ?? ''}"></p>
    <p><label for="description">Description</label><textarea id="description" name="description" rows="4" maxlength="10000">${p?.description ?? ''}</textarea></p>
    <p><label for="category">Category</label><input id="category" name="category" maxlength="100" value="${p?.category ?? ''}"></p>
    <p><label for="price">Price</label><input id="price" name="price" inputmode="decimal" required pattern="\\d+(\\.\\d{1,2})?" value="${p ? (p.priceCents! / 100).toFixed(2) : ''}" aria-describedby="price-hint"> <span id="price-hint" class="hint">For example 12.50</span></p>
    ${p
      ? ''
      : options.length > 0
        ? variantRows(options)
        : html`<p><label for="stock">Initial stock</label><input id="stock" name="stock" type="number" min="0" required value="0"></p>
          <p><label for="sku">SKU (optional)</label><input id="sku" name="sku" maxlength="64"></p>`}
    <p><button type="submit">${submit}</button></p>
  </form>`;
}

function optional(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

export function catalogPages(scope: FastifyInstance, ctx: AdminContext): void {
  const { platform } = ctx;

  scope.get('/products', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const filter = { q: param(request, 'q'), category: param(request, 'category'), lowStock: param(request, 'low') === '1' };
    const page = await ctx.queries.products(filter, idParam(request, 'before'));
    const body = html`
      ${notice(param(request, 'done'))}
      ${staff.role === 'admin' ? html`<p><a class="button" href="/admin/products/new">New product</a></p>` : ''}
      <form method="get" action="/admin/products" class="filters" role="search" aria-label="Filter products">
        <p><label for="q">Name starts with</label><input id="q" name="q" value="${filter.q}"></p>
        <p><label for="category">Category</label><input id="category" name="category" value="${filter.category}"></p>
        <p><input type="checkbox" id="low" name="low" value="1"${filter.lowStock ? html` checked` : ''}><label for="low">Low stock only</label></p>
        <p><button type="submit">Filter</button></p>
      </form>
      <div class="scroll" tabindex="0"><table>
        <caption class="sr">Products, newest first</caption>
        <thead><tr><th scope="col">Product</th><th scope="col">Category</th><th scope="col">Price</th><th scope="col">Stock</th></tr></thead>
        <tbody>${page.items.map(
          (p) => html`<tr><td><a href="/admin/products/${p.id}">${p.name}</a></td><td>${p.category ?? '—'}</td><td>${money(p.priceCents)}</td><td>${p.stock}</td></tr>`,
        )}</tbody>
      </table></div>
      ${page.items.length === 0 ? html`<p>No products match.</p>` : ''}
      ${nextLink('/admin/products', { q: filter.q, category: filter.category, low: filter.lowStock ? '1' : undefined }, 'before', page.next)}`;
    return render(ctx, request, reply, staff, { title: 'Products', section: 'products', body });
  });

  scope.get('/products/new', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const options = optionsFrom((name) => param(request, name));
    const body = html`${optionsStep(options)}<h2>Product</h2>${productForm(staff.csrf, '/admin/products', null, 'Create product', options)}`;
    return render(ctx, request, reply, staff, { title: 'New product', section: 'products', body });
  });

  scope.post('/products', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const form = formOf(request.body);
    const options = optionsFrom((name) => field(form, name));
    const sku = optional(field(form, 'sku'));
    const id = await platform.addProduct({
      name: field(form, 'name'),
      description: field(form, 'description'),
      category: optional(field(form, 'category')),
      priceCents: priceField(form, 'price'),
      ...(options.length > 0 ? { options, variants: variantsFrom(form, options) } : { stock: intField(form, 'stock', { min: 0 }), ...(sku ? { sku } : {}) }),
    });
    return redirectAfterPost(reply, `/admin/products/${id}?done=Product+created`);
  });

  scope.get('/products/:id', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const id = pathId(request);
    const product = id ? await platform.getProduct(id) : null;
    if (!product) throw new NotFoundError('Product', id || param(request, 'id'));
    const [images, movements, prices] = await Promise.all([platform.getProductImages(id), latestMovements(platform.db, id), platform.getPriceHistory(id)]);
    const isAdmin = staff.role === 'admin';
    const body = html`
      ${notice(param(request, 'done'))}
      <p><a href="/product/${id}">View in the shop</a></p>
      ${isAdmin ? html`<h2>Details</h2>${productForm(staff.csrf, `/admin/products/${id}`, product, 'Save changes')}` : html`<p>${product.description}</p><p>Price ${money(product.priceCents)}</p>`}
      ${product.options.length > 0 || product.variants.length > 1
        ? html`<section aria-labelledby="stock-title" class="card">
            <h2 id="stock-title">Variants and stock (${product.stock} in all)</h2>
            <div class="scroll" tabindex="0"><table>
              <thead><tr><th scope="col">Variant</th><th scope="col">SKU</th><th scope="col">Price</th><th scope="col">Stock</th><th scope="col">Adjust</th>${isAdmin ? html`<th scope="col"><span class="sr">Edit</span></th>` : ''}</tr></thead>
              <tbody>${product.variants.map(
                (variant) => html`<tr><td>${variant.title}</td><td>${variant.sku ?? '—'}</td><td>${money(variant.priceCents)}</td><td>${variant.stock}</td>
                  <td><form method="post" action="/admin/variants/${variant.id}/stock" class="row">${csrfInput(staff.csrf)}
                    <label for="delta-${variant.id}" class="sr">Change stock of ${variant.title} by</label><input id="delta-${variant.id}" name="delta" type="number" required size="6">
                    <label for="reason-${variant.id}" class="sr">Reason for ${variant.title}</label><input id="reason-${variant.id}" name="reason" required maxlength="200" placeholder="Reason">
                    <button type="submit">Adjust ${variant.title}</button></form></td>${isAdmin ? html`<td><a href="/admin/variants/${variant.id}">Edit ${variant.title}</a></td>` : ''}</tr>`,
              )}</tbody>
            </table></div>
          </section>`
        : html`<section aria-labelledby="stock-title" class="card">
            <h2 id="stock-title">Stock: ${product.stock}</h2>
            <p>SKU ${product.variants[0]?.sku ?? '—'}${isAdmin && product.variants[0] ? html` · <a href="/admin/variants/${product.variants[0].id}">Edit SKU and weight</a>` : ''}</p>
            <form method="post" action="/admin/products/${id}/stock" class="inline">
              ${csrfInput(staff.csrf)}
              <p><label for="delta">Change by</label><input id="delta" name="delta" type="number" required aria-describedby="delta-hint"> <span id="delta-hint" class="hint">Negative to remove</span></p>
              <p><label for="reason">Reason</label><input id="reason" name="reason" required maxlength="200"></p>
              <p><button type="submit">Adjust stock</button></p>
            </form>
          </section>`}
      ${isAdmin ? variantEditor(staff.csrf, product) : ''}
      <section aria-labelledby="images-title" class="card">
        <h2 id="images-title">Images</h2>
        ${images.length === 0 ? html`<p>No images yet.</p>` : ''}
        <ol class="images">${images.map(
          (img, i) => html`<li><img src="${img.url}" alt="Image ${i + 1} of ${product.name}" width="120" height="120">
            ${isAdmin
              ? html`<div class="row">${i > 0 ? html`<form method="post" action="/admin/products/${id}/images/${img.id}/move">${csrfInput(staff.csrf)}<input type="hidden" name="position" value="${i - 1}"><button type="submit" aria-label="Move image ${i + 1} earlier">Earlier</button></form>` : ''}
                ${i < images.length - 1 ? html`<form method="post" action="/admin/products/${id}/images/${img.id}/move">${csrfInput(staff.csrf)}<input type="hidden" name="position" value="${i + 1}"><button type="submit" aria-label="Move image ${i + 1} later">Later</button></form>` : ''}
                <form method="post" action="/admin/products/${id}/images/${img.id}/delete">${csrfInput(staff.csrf)}<button type="submit" aria-label="Delete image ${i + 1}">Delete</button></form></div>`
              : ''}</li>`,
        )}</ol>
        ${isAdmin
          ? html`<form method="post" action="/admin/products/${id}/images" enctype="multipart/form-data" class="inline">
              ${csrfInput(staff.csrf)}
              <p><label for="image">Add an image (JPEG, PNG or WebP)</label><input id="image" name="image" type="file" accept="image/jpeg,image/png,image/webp" required></p>
              <p><button type="submit">Upload image</button></p>
            </form>`
          : ''}
      </section>
      <section aria-labelledby="ledger-title" class="card">
        <h2 id="ledger-title">Inventory ledger (latest ${movements.length})</h2>
        <div class="scroll" tabindex="0"><table><thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">Reason</th><th scope="col">Order</th></tr></thead>
        <tbody>${movements.map(
          (m) => html`<tr><td>${when(m.createdAt)}</td><td>${m.delta > 0 ? `+${m.delta}` : m.delta}</td><td>${m.reason}</td><td>${m.orderId ? html`<a href="/admin/orders/${m.orderId}">#${m.orderId}</a>` : '—'}</td></tr>`,
        )}</tbody></table></div>
      </section>
      <section aria-labelledby="prices-title" class="card">
        <h2 id="prices-title">Price history</h2>
        ${prices.length === 0 ? html`<p>The price has not changed since the product was created.</p>` : html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">When</th><th scope="col">From</th><th scope="col">To</th></tr></thead>
        <tbody>${prices.map((c) => html`<tr><td>${when(c.changedAt)}</td><td>${money(c.oldPriceCents)}</td><td>${money(c.newPriceCents)}</td></tr>`)}</tbody></table></div>`}
      </section>`;
    return render(ctx, request, reply, staff, { title: product.name, section: 'products', body });
  });

  scope.post('/products/:id', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const form = formOf(request.body);
    const id = pathId(request);
    await platform.updateProduct(
      id,
      { name: field(form, 'name'), description: field(form, 'description'), category: optional(field(form, 'category')), priceCents: priceField(form, 'price') },
      staff.customerId,
    );
    return redirectAfterPost(reply, `/admin/products/${id}?done=Saved`);
  });

  scope.post('/products/:id/stock', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const form = formOf(request.body);
    const id = pathId(request);
    const delta = intField(form, 'delta', { min: -1_000_000_000, max: 1_000_000_000 });
    const stock = await platform.updateStock(id, delta, field(form, 'reason').trim());
    return redirectAfterPost(reply, `/admin/products/${id}?done=${encodeURIComponent(`Stock is now ${stock}`)}`);
  });

  // The multipart parser only for the upload form, in its own scope (as for the API's upload).
  void scope.register(async (upload: FastifyInstance) => {
    await upload.register(multipart, { limits: { fileSize: platform.images.maxBytes, files: 1, fields: 5, parts: 6 } });
    upload.post('/products/:id/images', PAGE, async (request, reply) => {
      const staff = await guard(ctx, request, reply, 'admin', { csrfChecked: true });
      if (!staff) return reply;
      if (!request.isMultipart()) throw new ValidationError('Send the image with the upload form', [{ path: 'image', message: 'is required' }]);
      const file = await request.file();
      // The token field comes before the file in the form, so it has arrived when the file starts.
      const token = file?.fields._csrf;
      request.body = { _csrf: token && !Array.isArray(token) && 'value' in token ? String(token.value) : '' };
      ctx.sessions.verify(request, staff);
      if (!file) throw new ValidationError('Choose an image to upload', [{ path: 'image', message: 'is required' }]);
      const bytes = await file.toBuffer();
      if (file.file.truncated) throw new ValidationError('The image is too large', [{ path: 'image', message: 'too large' }]);
      const id = pathId(request);
      await platform.addProductImage(id, bytes);
      return redirectAfterPost(reply, `/admin/products/${id}?done=Image+added`);
    });
  });

  scope.post('/variants/:id/stock', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const form = formOf(request.body);
    const variant = await platform.getVariant(pathId(request));
    if (!variant) throw new NotFoundError('Variant', param(request, 'id'));
    const delta = intField(form, 'delta', { min: -1_000_000_000, max: 1_000_000_000 });
    const stock = await platform.updateVariantStock(variant.id, delta, field(form, 'reason').trim());
    return redirectAfterPost(reply, `/admin/products/${variant.productId}?done=${encodeURIComponent(`${variant.title} stock is now ${stock}`)}`);
  });

  scope.post('/products/:id/images/:imageId/move', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const id = pathId(request);
    await platform.moveProductImage(id, pathId(request, 'imageId'), intField(formOf(request.body), 'position', { min: 0, max: 10_000 }));
    return redirectAfterPost(reply, `/admin/products/${id}?done=Image+moved`);
  });

  scope.post('/products/:id/images/:imageId/delete', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const id = pathId(request);
    await platform.removeProductImage(id, pathId(request, 'imageId'));
    return redirectAfterPost(reply, `/admin/products/${id}?done=Image+deleted`);
  });
}
