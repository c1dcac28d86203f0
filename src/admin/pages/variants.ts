import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NewVariant, Product, ProductOption, Variant } from '../../catalog/service.js';
import { MAX_OPTIONS, MAX_VARIANTS } from '../../catalog/variants.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { csrfInput } from '../../web/csrf.js';
import { field, fields, formOf, intField, type FormBody } from '../../web/form.js';
import { html, type SafeHtml } from '../../web/html.js';
import { redirectAfterPost } from '../../web/page.js';
import { guard, PAGE, param, pathId, render, type AdminContext } from '../context.js';
import { money, notice } from '../layout.js';
import { priceField } from './catalog.js';

const SLOTS = Array.from({ length: MAX_OPTIONS }, (_, i) => i + 1);

/** "S, M ,L" → ["S", "M", "L"]. */
function splitValues(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The options of the new-product form (`o1`/`v1` … `o3`/`v3`: a name and its comma-separated
 * values), from the query string of the "Set up variants" step or the posted form. The catalog
 * service validates them (names, distinct values, limits).
 */
export function optionsFrom(read: (name: string) => string): ProductOption[] {
  const out: ProductOption[] = [];
  for (const i of SLOTS) {
    const name = read(`o${i}`).trim();
    const values = splitValues(read(`v${i}`));
    if (name === '' && values.length === 0) continue;
    if (name === '') throw new ValidationError(`Option ${i} needs a name`, [{ path: `o${i}`, message: 'is required with values' }]);
    if (values.length === 0) throw new ValidationError(`Option ${name} needs values`, [{ path: `v${i}`, message: 'is required with a name' }]);
    out.push({ name, values });
  }
  return out;
}

/** Every combination of option values, the first option outermost: the rows of the variants table. */
export function combinations(options: readonly ProductOption[]): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const o of options) out = out.flatMap((c) => o.values.map((value) => ({ ...c, [o.name]: value })));
  if (out.length > MAX_VARIANTS) {
    throw new ValidationError(`These options make ${out.length} combinations; a product has at most ${MAX_VARIANTS} variants`, [
      { path: 'options', message: `at most ${MAX_VARIANTS} combinations` },
    ]);
  }
  return options.length === 0 ? [] : out;
}

const title = (combo: Record<string, string>) => Object.values(combo).join(' / ');

/** An optional price field: '' is the product's price (null). */
function optionalPrice(form: FormBody, name: string): number | null {
  return field(form, name).trim() === '' ? null : priceField(form, name);
}

/** Step 1 of a new product with variants: a GET form that lays out the variants table below. */
export function optionsStep(options: readonly ProductOption[]): SafeHtml {
  return html`<form method="get" action="/admin/products/new" class="card stack" aria-labelledby="options-title">
    <h2 id="options-title">Options (sizes, colours…)</h2>
    <p class="hint">Leave them empty for a product sold as one item with one stock. With options, every combination becomes a variant with its own SKU, price and stock.</p>
    ${SLOTS.map(
      (i) => html`<div class="row">
        <p><label for="o${i}">Option ${i}</label><input id="o${i}" name="o${i}" maxlength="50" value="${options[i - 1]?.name ?? ''}"></p>
        <p><label for="v${i}">Values of option ${i}</label><input id="v${i}" name="v${i}" maxlength="2000" value="${options[i - 1]?.values.join(', ') ?? ''}" aria-describedby="v-hint"></p>
      </div>`,
    )}
    <p id="v-hint" class="hint">Values separated by commas, like S, M, L</p>
    <p><button type="submit">Set up variants</button></p>
  </form>`;
}

/** The variants part of the new-product form: the options as hidden fields and one row per combination. */
export function variantRows(options: readonly ProductOption[]): SafeHtml {
  const combos = combinations(options);
  return html`${options.map((o, i) => html`<input type="hidden" name="o${i + 1}" value="${o.name}"><input type="hidden" name="v${i + 1}" value="${o.values.join(', ')}">`)}
    <fieldset><legend>Variants</legend>
      <p class="hint">Untick the combinations you do not sell. A variant without a price has the product’s price.</p>
      <div class="scroll" tabindex="0"><table>
        <thead><tr><th scope="col">Variant</th><th scope="col">Sell</th><th scope="col">SKU</th><th scope="col">Price</th><th scope="col">Stock</th></tr></thead>
        <tbody>${combos.map((c, i) => {
          const t = title(c);
          return html`<tr><th scope="row">${t}</th>
            <td><input type="checkbox" id="create-${i}" name="create" value="${i}" checked><label for="create-${i}" class="sr">Sell ${t}</label></td>
            <td><label for="sku-${i}" class="sr">SKU of ${t}</label><input id="sku-${i}" name="sku.${i}" maxlength="64" size="12"></td>
            <td><label for="price-${i}" class="sr">Price of ${t}</label><input id="price-${i}" name="price.${i}" inputmode="decimal" size="8" pattern="\\d+(\\.\\d{1,2})?"></td>
            <td><label for="stock-${i}" class="sr">Stock of ${t}</label><input id="stock-${i}" name="stock.${i}" type="number" min="0" value="0" size="6"></td></tr>`;
        })}</tbody>
      </table></div>
    </fieldset>`;
}

/** The variants a posted new-product form asks for (the ticked rows), as the catalog service takes them. */
export function variantsFrom(form: FormBody, options: readonly ProductOption[]): NewVariant[] {
  const combos = combinations(options);
  const chosen = fields(form, 'create').map((x) => Number(x));
  if (chosen.length === 0) throw new ValidationError('Tick at least one variant to sell', [{ path: 'create', message: 'choose at least one variant' }]);
  return chosen.map((i) => {
    const combo = combos[i];
    if (!Number.isInteger(i) || !combo) throw new ValidationError('The variants do not match the options; set them up again', [{ path: 'create', message: 'unknown row' }]);
    return {
      sku: field(form, `sku.${i}`).trim(),
      options: combo,
      priceCents: optionalPrice(form, `price.${i}`),
      stock: intField(form, `stock.${i}`, { min: 0, max: 1_000_000_000 }),
    };
  });
}

function optionSelects(options: readonly ProductOption[], chosen: Record<string, string>, prefix: string): SafeHtml {
  return html`${options.map(
    (o, i) => html`<p><label for="${prefix}-opt-${i}">${o.name}</label><select id="${prefix}-opt-${i}" name="opt.${i}" required>${o.values.map(
      (value) => html`<option value="${value}"${chosen[o.name] === value ? html` selected` : ''}>${value}</option>`,
    )}</select></p>`,
  )}`;
}

function optionsOf(form: FormBody, options: readonly ProductOption[]): Record<string, string> {
  return Object.fromEntries(options.map((o, i) => [o.name, field(form, `opt.${i}`)]));
}

/** The admin's sections of the product page for a product with options: add values, add a variant. */
export function variantEditor(csrf: string, product: Product): SafeHtml {
  if (product.options.length === 0) {
    return html`<p class="hint">This product is sold as one item. Products created without options keep a single variant; to sell sizes or colours, create a product with options.</p>`;
  }
  return html`<section class="card" aria-labelledby="add-variant-title">
      <h2 id="add-variant-title">Add a variant</h2>
      <form method="post" action="/admin/products/${product.id}/variants" class="stack">
        ${csrfInput(csrf)}
        ${optionSelects(product.options, {}, 'new')}
        <p><label for="new-sku">SKU</label><input id="new-sku" name="sku" required maxlength="64"></p>
        <p><label for="new-price">Variant price (optional)</label><input id="new-price" name="price" inputmode="decimal" pattern="\\d+(\\.\\d{1,2})?" aria-describedby="new-price-hint">
          <span id="new-price-hint" class="hint">Empty: the product’s price, ${money(product.priceCents)}</span></p>
        <p><label for="new-stock">Initial stock</label><input id="new-stock" name="stock" type="number" min="0" value="0" required></p>
        <p><button type="submit">Add variant</button></p>
      </form>
    </section>
    <section class="card" aria-labelledby="values-title">
      <h2 id="values-title">Option values</h2>
      <form method="post" action="/admin/products/${product.id}/options" class="stack">
        ${csrfInput(csrf)}
        ${product.options.map(
          (o, i) => html`<p><label for="values-${i}">Values of ${o.name}</label><input id="values-${i}" name="v${i + 1}" required value="${o.values.join(', ')}" aria-describedby="values-hint"></p>
            <input type="hidden" name="o${i + 1}" value="${o.name}">`,
        )}
        <p id="values-hint" class="hint">Separated by commas. Add values or reorder them; a value a variant uses stays.</p>
        <p><button type="submit">Save option values</button></p>
      </form>
    </section>`;
}

/** Admin routes for variants: add one to a product, change a product's option values, edit one. */
export function variantPages(scope: FastifyInstance, ctx: AdminContext): void {
  const { platform } = ctx;

  const productOf = async (request: FastifyRequest): Promise<Product> => {
    const id = pathId(request);
    const product = id ? await platform.getProduct(id) : null;
    if (!product) throw new NotFoundError('Product', (request.params as { id?: string }).id ?? '');
    return product;
  };
  const variantOf = async (request: FastifyRequest): Promise<Variant> => {
    const id = pathId(request);
    const variant = id ? await platform.getVariant(id) : null;
    if (!variant) throw new NotFoundError('Variant', (request.params as { id?: string }).id ?? '');
    return variant;
  };

  scope.post('/products/:id/variants', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const product = await productOf(request);
    const form = formOf(request.body);
    const added = await platform.addVariant(product.id, {
      sku: field(form, 'sku').trim(),
      options: optionsOf(form, product.options),
      priceCents: optionalPrice(form, 'price'),
      stock: intField(form, 'stock', { min: 0, max: 1_000_000_000 }),
    });
    return redirectAfterPost(reply, `/admin/products/${product.id}?done=${encodeURIComponent(`Added ${added.title}`)}`);
  });

  scope.post('/products/:id/options', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const product = await productOf(request);
    const form = formOf(request.body);
    await platform.updateProduct(product.id, { options: optionsFrom((name) => field(form, name)) }, staff.customerId);
    return redirectAfterPost(reply, `/admin/products/${product.id}?done=Option+values+saved`);
  });

  scope.get('/variants/:id', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const variant = await variantOf(request);
    const product = (await platform.getProduct(variant.productId))!;
    const ownPrice = variant.priceCents === product.priceCents ? '' : (variant.priceCents / 100).toFixed(2);
    const body = html`${notice(param(request, 'done'))}
      <p><a href="/admin/products/${product.id}">Back to ${product.name}</a></p>
      <form method="post" action="/admin/variants/${variant.id}" class="card stack">
        ${csrfInput(staff.csrf)}
        ${variant.isDefault ? '' : optionSelects(product.options, variant.options, 'edit')}
        <p><label for="sku">SKU</label><input id="sku" name="sku" maxlength="64" value="${variant.sku ?? ''}"${variant.isDefault ? '' : html` required`}></p>
        ${variant.isDefault
          ? html`<p class="hint">The price is the product’s (${money(product.priceCents)}); change it on the product.</p>`
          : html`<p><label for="price">Variant price (optional)</label><input id="price" name="price" inputmode="decimal" pattern="\\d+(\\.\\d{1,2})?" value="${ownPrice}" aria-describedby="price-hint">
              <span id="price-hint" class="hint">Empty: the product’s price, ${money(product.priceCents)}</span></p>`}
        <p><label for="weight">Weight in grams (optional)</label><input id="weight" name="weight" type="number" min="0" value="${variant.weightGrams ?? ''}"></p>
        <p><button type="submit">Save variant</button></p>
      </form>
      <p class="hint">Stock changes go through the ledger: adjust it on the product page.</p>`;
    return render(ctx, request, reply, staff, { title: `${product.name}: ${variant.title}`, section: 'products', body });
  });

  scope.post('/variants/:id', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const variant = await variantOf(request);
    const product = (await platform.getProduct(variant.productId))!;
    const form = formOf(request.body);
    const sku = field(form, 'sku').trim();
    const weight = field(form, 'weight').trim();
    const updated = await platform.updateVariant(variant.id, {
      ...(variant.isDefault ? {} : { options: optionsOf(form, product.options), priceCents: optionalPrice(form, 'price') }),
      ...(sku !== '' || !variant.isDefault ? { sku } : {}),
      weightGrams: weight === '' ? null : intField(form, 'weight', { min: 0, max: 1_000_000_000 }),
    });
    return redirectAfterPost(reply, `/admin/products/${product.id}?done=${encodeURIComponent(`Saved ${updated.title}`)}`);
  });
}
