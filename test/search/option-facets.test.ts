import { describe, expect, it } from 'vitest';
import type { EcommercePlatform } from '../../src/index.js';
import { backends } from '../backends.js';
import { freshPlatform } from './helpers.js';

/** Two clothes with sizes and colours, one without options; a Tee has S/Red, M/Blue and L/Red (sold out). */
async function clothes(platform: EcommercePlatform): Promise<{ tee: number; hoodie: number }> {
  const tee = await platform.addProduct({
    name: 'Cotton Tee',
    priceCents: 1000,
    category: 'Clothes',
    options: [
      { name: 'Size', values: ['S', 'M', 'L'] },
      { name: 'Colour', values: ['Red', 'Blue'] },
    ],
    variants: [
      { sku: 'TEE-S-R', options: { Size: 'S', Colour: 'Red' }, stock: 1 },
      { sku: 'TEE-M-B', options: { Size: 'M', Colour: 'Blue' }, stock: 1 },
      { sku: 'TEE-L-R', options: { Size: 'L', Colour: 'Red' }, stock: 0 },
    ],
  });
  const hoodie = await platform.addProduct({
    name: 'Cotton Hoodie',
    priceCents: 3000,
    category: 'Clothes',
    options: [{ name: 'Size', values: ['M', 'XL'] }],
    variants: [
      { sku: 'HOO-M', options: { Size: 'M' }, stock: 2 },
      { sku: 'HOO-XL', options: { Size: 'XL' }, stock: 2 },
    ],
  });
  await platform.addProduct({ name: 'Cotton Bag', priceCents: 500, category: 'Bags', stock: 3 });
  return { tee, hoodie };
}

describe.each(backends)('option-value facets on $name', (backend) => {
  const ctx = freshPlatform(backend);

  it('count each product once per option value, by option name, most products first', async () => {
    await clothes(ctx.platform);
    const result = await ctx.platform.search({});
    expect(result.optionFacets).toEqual([
      { name: 'Colour', value: 'Blue', count: 1 },
      { name: 'Colour', value: 'Red', count: 1 },
      { name: 'Size', value: 'M', count: 2 },
      { name: 'Size', value: 'L', count: 1 },
      { name: 'Size', value: 'S', count: 1 },
      { name: 'Size', value: 'XL', count: 1 },
    ]);
    expect(result.facets).toEqual([
      { category: 'Clothes', count: 2 },
      { category: 'Bags', count: 1 },
    ]);
  });

  it('count an option without its own filter, and the other options on the same variant (Size counts under Colour=Red)', async () => {
    const { tee, hoodie } = await clothes(ctx.platform);
    const red = await ctx.platform.search({ options: { Colour: 'Red' } });
    expect(red.items.map((p) => p.id)).toEqual([tee]);
    // Sizes of red variants only (S and L), and every colour as if Colour were not chosen.
    expect(red.optionFacets).toEqual([
      { name: 'Colour', value: 'Blue', count: 1 },
      { name: 'Colour', value: 'Red', count: 1 },
      { name: 'Size', value: 'L', count: 1 },
      { name: 'Size', value: 'S', count: 1 },
    ]);
    const medium = await ctx.platform.search({ options: { Size: 'M' }, q: 'cotton' });
    expect(medium.items.map((p) => p.id).sort()).toEqual([tee, hoodie].sort());
    expect(medium.optionFacets.filter((f) => f.name === 'Colour')).toEqual([{ name: 'Colour', value: 'Blue', count: 1 }]);
    expect(medium.optionFacets.filter((f) => f.name === 'Size').map((f) => f.value)).toEqual(['M', 'L', 'S', 'XL']);
    // Other filters apply to the option counts too.
    const cheap = await ctx.platform.search({ maxPrice: 20, category: 'Clothes' });
    expect(cheap.optionFacets.filter((f) => f.name === 'Size')).toEqual([
      { name: 'Size', value: 'L', count: 1 },
      { name: 'Size', value: 'M', count: 1 },
      { name: 'Size', value: 'S', count: 1 },
    ]);
    const none = await ctx.platform.search({ options: { Size: 'M', Colour: 'Red' } });
    expect(none.items).toEqual([]);
  });

  it('a new variant shows in the facets at once (the cache is versioned)', async () => {
    const { tee } = await clothes(ctx.platform);
    const redUnderM = async () => (await ctx.platform.search({ options: { Size: 'M' } })).optionFacets.find((f) => f.value === 'Red');
    expect(await redUnderM()).toBeUndefined();
    await ctx.platform.addVariant(tee, { sku: 'TEE-M-R', options: { Size: 'M', Colour: 'Red' }, stock: 4 });
    expect(await redUnderM()).toEqual({ name: 'Colour', value: 'Red', count: 1 });
  });
});
