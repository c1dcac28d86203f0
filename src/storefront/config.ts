/** What a shop owner configures about the storefront's look (environment variables at start). */
export interface ShopConfig {
  name: string;
  /** One sentence for the home page's meta description and the footer. */
  tagline: string;
  /** Absolute or root-relative URL of a logo image; the name is shown as text without one. */
  logoUrl: string | null;
  /** CSS colours: the brand colour (header, buttons) and the text colour on top of it. */
  brandColor: string;
  brandTextColor: string;
  accentColor: string;
  /** Origin used for canonical URLs and the sitemap (e.g. https://shop.example); default: the request's. */
  publicUrl: string | null;
  /**
   * STRIPE_PUBLISHABLE_KEY (`pk_live_…`/`pk_test_…`): when set, checkout pays with Stripe's Payment
   * Element (the server side needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, docs/PAYMENTS.md);
   * otherwise with the test provider's card field.
   */
  stripePublishableKey: string | null;
}

// A colour reaches a CSS file, so only plain colour syntax is accepted (no `;`, `}` or url()).
const COLOR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|(rgb|hsl)a?\([0-9.,%\s]{5,40}\))$/;

function color(value: string | undefined, fallback: string): string {
  return value && COLOR.test(value.trim()) ? value.trim() : fallback;
}

export function shopConfigFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ShopConfig> = {}): ShopConfig {
  const publicUrl = env.SHOP_PUBLIC_URL && /^https?:\/\/[^\s/]+$/.test(env.SHOP_PUBLIC_URL.replace(/\/$/, '')) ? env.SHOP_PUBLIC_URL.replace(/\/$/, '') : null;
  return {
    name: env.SHOP_NAME?.trim() || 'Storekeeper Shop',
    tagline: env.SHOP_TAGLINE?.trim() || 'Good things, in stock, delivered.',
    logoUrl: env.SHOP_LOGO_URL?.trim() || null,
    // Defaults keep WCAG AA contrast (white on #1f4e79 is 8.6:1).
    brandColor: color(env.SHOP_BRAND_COLOR, '#1f4e79'),
    brandTextColor: color(env.SHOP_BRAND_TEXT_COLOR, '#ffffff'),
    accentColor: color(env.SHOP_ACCENT_COLOR, '#a63d00'),
    publicUrl,
    stripePublishableKey: env.STRIPE_PUBLISHABLE_KEY && /^pk_(test|live)_[A-Za-z0-9]{1,200}$/.test(env.STRIPE_PUBLISHABLE_KEY.trim()) ? env.STRIPE_PUBLISHABLE_KEY.trim() : null,
    ...overrides,
  };
}

/** The theme stylesheet: the configured colours as CSS custom properties (served as an asset, since the CSP forbids inline style). */
export function themeCss(config: ShopConfig): string {
  return `:root{--brand:${config.brandColor};--brand-text:${config.brandTextColor};--accent:${config.accentColor}}\n`;
}
