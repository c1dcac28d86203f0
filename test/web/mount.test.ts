import { describe, expect, it } from 'vitest';
import { html } from '../../src/web/html.js';
import { Mount } from '../../src/web/mount.js';

describe('Mount: root-relative URLs under a mount prefix', () => {
  const shop = new Mount('/shop');

  it('moves root-relative URLs under the prefix and leaves every other kind alone', () => {
    expect(shop.url('/')).toBe('/shop/');
    expect(shop.url('/cart')).toBe('/shop/cart');
    expect(shop.url('/search?q=a&b=c#top')).toBe('/shop/search?q=a&b=c#top');
    for (const other of ['https://cdn.example/x.png', '//cdn.example/x.png', '/\\evil.example', '?page=2', '#main', 'mailto:a@b.c', '', 'data:image/png;base64,AA']) {
      expect(shop.url(other)).toBe(other);
    }
  });

  it('keeps a URL already under the prefix (IMAGE_PUBLIC_URL=/shop/images/) unless the shop has a route of that name', () => {
    expect(shop.url('/shop/images/abc')).toBe('/shop/images/abc');
    expect(shop.url('/shop')).toBe('/shop');
    expect(shop.url('/shopping')).toBe('/shop/shopping');
    const cart = new Mount('/cart');
    cart.noteRoute('/cart');
    expect(cart.url('/cart')).toBe('/cart/cart');
  });

  it('rewrites the URL attributes of a page, never text or other attributes', () => {
    const hostile = '" href="/evil';
    const page = html`<a href="/cart">Cart</a><form action="/search" method="get"><button formaction="/cart/add">x</button></form>
<img src="/images/abc" srcset="/images/a 1x, /images/b 2x, https://cdn.example/c 3x" alt="${hostile}">
<link rel="canonical" href="https://shop.example/shop/cart"><meta property="og:url" content="/product/1"><meta name="description" content="/not a url">
<p>Paths like href="/x" in text: ${hostile}</p><a href="#main">skip</a><a href="?page=2">next</a>`.value;
    expect(shop.html(page)).toBe(`<a href="/shop/cart">Cart</a><form action="/shop/search" method="get"><button formaction="/shop/cart/add">x</button></form>
<img src="/shop/images/abc" srcset="/shop/images/a 1x, /shop/images/b 2x, https://cdn.example/c 3x" alt="&quot; href=&quot;/evil">
<link rel="canonical" href="https://shop.example/shop/cart"><meta property="og:url" content="/shop/product/1"><meta name="description" content="/not a url">
<p>Paths like href="/shop/x" in text: &quot; href=&quot;/evil</p><a href="#main">skip</a><a href="?page=2">next</a>`);
  });

  it('scopes cookie paths and style sheet url()s to the prefix', () => {
    expect(shop.cookie('sk_shop=abc; Path=/; HttpOnly; SameSite=Lax')).toBe('sk_shop=abc; Path=/shop; HttpOnly; SameSite=Lax');
    expect(shop.cookie('sk_admin=abc; Path=/admin; HttpOnly')).toBe('sk_admin=abc; Path=/shop/admin; HttpOnly');
    expect(shop.cookie('sk_session=abc; Path=/shop/api; HttpOnly')).toBe('sk_session=abc; Path=/shop/api; HttpOnly');
    expect(shop.css('a{background:url(/assets/a.svg)} b{background:url("/assets/b.png")} c{background:url(data:x)} d{background:url(https://x/y)}')).toBe(
      'a{background:url(/shop/assets/a.svg)} b{background:url("/shop/assets/b.png")} c{background:url(data:x)} d{background:url(https://x/y)}',
    );
  });

  it('changes nothing at the root (npm start)', () => {
    const root = new Mount('');
    const page = '<a href="/cart">x</a>';
    expect(root.html(page)).toBe(page);
    expect(root.url('/cart')).toBe('/cart');
    expect(root.cookie('a=b; Path=/')).toBe('a=b; Path=/');
  });
});
