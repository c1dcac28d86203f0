import type { Driver, Row } from './db/driver.js';
import { migrate } from './db/migrate.js';
import { DEFAULT_DATABASE, openDriver, type OpenOptions } from './db/open.js';
import type { PostgresDriver } from './db/postgres.js';
import { CartService, type CartItem, type LineOptions } from './cart/service.js';
import type { CartOwner } from './cart/owner.js';
import { cartShippingMethods, type Destination } from './cart/summary.js';
import {
  CatalogService,
  type Category,
  type NewProduct,
  type NewVariant,
  type Product,
  type ProductPatch,
  type ProductQuery,
  type Variant,
  type VariantPatch,
} from './catalog/service.js';
import { CustomerService, type Customer, type CustomerPatch, type NewCustomer } from './customers/service.js';
import { InventoryService, type InventoryMovement } from './inventory/service.js';
import { importProducts, type ImportOptions, type ImportReport } from './csv/import.js';
import { OrderService, type CheckoutOptions, type CheckoutResult, type CreateOrderOptions, type Order } from './orders/service.js';
import { loadShopSettings, type ShopOptions, type ShopSettings } from './shop/settings.js';
import type { ShippingQuote } from './shipping/service.js';
import type { OrderStatus } from './orders/status.js';
import { ReportService } from './reports/service.js';
import { CatalogCache } from './cache/catalog-cache.js';
import { SearchService, type SearchQuery, type SearchResult } from './search/service.js';
import { ReviewService, type NewReview, type Review, type ReviewPage, type ReviewPatch } from './reviews/service.js';
import { PriceHistoryService, type LowestPrice, type PriceChange } from './pricing/history.js';
import { PromotionService, type CartSummary, type DiscountCode, type DiscountCodePatch, type NewDiscountCode } from './promotions/service.js';
import { ImageService, type ProductImage } from './images/service.js';
import { imageStoreFor, type ImageOptions } from './images/options.js';
import type { ImageStore } from './images/store.js';
import type { ImageMime } from './images/sniff.js';
import { emit, EventBus, publishAfterCommit, type EventListener } from './notifications/outbox.js';
import type { EventType } from './notifications/events.js';
import { NotificationService } from './notifications/service.js';
import { NotificationRunner, type RunnerOptions } from './notifications/runner.js';
import { WebhookService } from './notifications/webhooks.js';
import { AddressService, type AddressPatch, type NewAddress, type SavedAddress } from './addresses/service.js';
import { ShippingService, type NewShippingMethod, type ShippingMethod, type ShippingMethodPatch } from './shipping/service.js';
import { TaxService, type NewTaxRate, type TaxRate, type TaxRatePatch } from './tax/service.js';
import { PaymentService, type OrderPayment, type PayInput, type PaymentView, type RefundInput, type RefundView } from './payments/service.js';
import type { PaymentSettings } from './payments/config.js';

export interface JobOptions {
  /** Start the outbox runner in this process (the server does); an object sets its schedule and mail settings. */
  jobs?: boolean | RunnerOptions;
}

/** A product as its detail page shows it: with the EU lowest-price indication when on sale. */
export type ProductDetail = Product & LowestPrice;

/**
 * The engine as a library: one object over one database. Every method is async and safe to call
 * concurrently; writes run in the driver's transactions (see docs/ARCHITECTURE.md).
 */
export class EcommercePlatform {
  readonly customers: CustomerService;
  readonly catalog: CatalogService;
  readonly inventory: InventoryService;
  readonly cart: CartService;
  readonly orders: OrderService;
  readonly reports: ReportService;
  /** Listing and search results, invalidated by the database's catalog version (docs/SEARCH.md). */
  readonly catalogCache: CatalogCache;
  readonly searchService: SearchService;
  readonly reviews: ReviewService;
  readonly priceHistory: PriceHistoryService;
  readonly promotions: PromotionService;
  readonly images: ImageService;
  /** After-commit events of this process (`on`); the outbox (docs/NOTIFICATIONS.md). */
  readonly events = new EventBus();
  readonly notifications: NotificationService;
  readonly webhooks: WebhookService;
  /** The outbox runner, when started (`open(…, { jobs: true })` or `startJobs()`). */
  runner: NotificationRunner | undefined;
  readonly addresses: AddressService;
  readonly shipping: ShippingService;
  readonly taxes: TaxService;
  /** Where image bytes live (disk or S3-compatible); `migrate-data --images-to` copies between two. */
  readonly imageStore: ImageStore;
  /** Providers, the payment ledger, webhooks and reconciliation (docs/PAYMENTS.md). */
  readonly payments: PaymentService;

  private constructor(
    readonly db: Driver,
    readonly target: string,
    options: ImageOptions & { payments?: Partial<PaymentSettings> },
    /** The shop's currency and whether prices include tax (docs/COMMERCE.md). */
    readonly shop: ShopSettings,
  ) {
    publishAfterCommit(db, this.events);
    this.events.on('*', () => this.runner?.nudge());
    this.notifications = new NotificationService(db);
    this.webhooks = new WebhookService(db);
    this.customers = new CustomerService(db);
    this.catalog = new CatalogService(db, shop.currency);
    this.inventory = new InventoryService(db);
    this.cart = new CartService(db, shop.currency);
    this.orders = new OrderService(db, shop);
    this.reports = new ReportService(db, shop.currency);
    this.catalogCache = new CatalogCache(db);
    this.searchService = new SearchService(db, this.catalogCache, shop.currency);
    this.reviews = new ReviewService(db);
    this.priceHistory = new PriceHistoryService(db, shop.currency);
    this.promotions = new PromotionService(db, shop);
    this.imageStore = imageStoreFor(target, options);
    this.images = new ImageService(db, this.imageStore, options.maxImageBytes);
    this.addresses = new AddressService(db);
    this.shipping = new ShippingService(db, shop.currency);
    this.taxes = new TaxService(db);
    this.payments = new PaymentService(db, options.payments);
    this.orders.paymentHooks = this.payments;
    // order.paid / order.refunded go to the outbox in the transaction that moved the money.
    this.payments.onEvent = async (tx, e) => {
      const order = (await this.orders.get(e.orderId, tx))!;
      const format = new Intl.NumberFormat('en', { style: 'currency', currency: order.currency });
      const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
      await emit(tx, e.type, { order, amountCents: e.amountCents, amountText: format.format(e.amountCents / 10 ** digits) });
    };
  }

  /**
   * Opens (creating and migrating as needed) `./data/store.db`, an SQLite path, `:memory:`,
   * or a `postgres://` URL. `currency` (default SHOP_CURRENCY, else the shop's stored one, else
   * USD) is stored on the first open; another one later is refused (ConflictError).
   */
  static async open(target: string = DEFAULT_DATABASE, options: OpenOptions & ImageOptions & ShopOptions & JobOptions & { payments?: Partial<PaymentSettings> } = {}): Promise<EcommercePlatform> {
    const db = await openDriver(target, options);
    let shop: ShopSettings;
    try {
      if (db.dialect === 'postgres') await (db as PostgresDriver).ensureSchema();
      await migrate(db);
      shop = await loadShopSettings(db, { currency: options.currency, pricesIncludeTax: options.pricesIncludeTax });
    } catch (e) {
      await db.close();
      throw e;
    }
    const platform = new EcommercePlatform(db, target, options, shop);
    if (options.jobs) platform.startJobs(options.jobs === true ? {} : options.jobs);
    return platform;
  }

  /** Starts delivering the outbox from this process (idempotent). */
  startJobs(options: RunnerOptions = {}): NotificationRunner {
    this.runner ??= new NotificationRunner(this.db, this.target, options).start();
    return this.runner;
  }

  /** Calls `listener` after the commit of every transaction of this process that emitted `type` ('*': every type). */
  on<T extends EventType>(type: T | '*', listener: EventListener<T>): () => void {
    return this.events.on(type, listener);
  }

  async close(): Promise<void> {
    await this.runner?.stop();
    await this.imageStore.close?.();
    await this.db.close();
  }

  // Customers
  createCustomer(input: NewCustomer): Promise<number> {
    return this.customers.create(input);
  }
  getCustomer(customerId: number): Promise<Customer | null> {
    return this.customers.get(customerId);
  }
  updateCustomer(customerId: number, patch: CustomerPatch): Promise<Customer> {
    return this.customers.update(customerId, patch);
  }

  // Catalog
  addProduct(input: NewProduct): Promise<number> {
    return this.catalog.addProduct(input);
  }
  getProduct(productId: number): Promise<Product | null> {
    return this.catalog.getProduct(productId);
  }
  addVariant(productId: number, input: NewVariant): Promise<Variant> {
    return this.catalog.addVariant(productId, input);
  }
  getVariant(variantId: number): Promise<Variant | null> {
    return this.catalog.getVariant(variantId);
  }
  /** Products from CSV (the export's format, SKU the key): `dryRun` only plans; otherwise batches, each one transaction (docs/ADMIN.md). */
  importProductsCsv(csv: string | Uint8Array, options: ImportOptions = {}): Promise<ImportReport> {
    return importProducts(this.db, csv, this.shop.currency, options);
  }
  /** SKU, options, price, weight; stock changes go through updateVariantStock (the ledger). */
  updateVariant(variantId: number, patch: VariantPatch): Promise<Variant> {
    return this.catalog.updateVariant(variantId, patch);
  }
  /** Returns the variant's new stock. */
  updateVariantStock(variantId: number, quantityDelta: number, reason?: string): Promise<number> {
    return this.inventory.updateVariantStock(variantId, quantityDelta, reason);
  }
  /** The product with `lowestPrice30d`: the lowest price of the 30 days before the current reduction (EU Omnibus rule). */
  async getProductDetail(productId: number): Promise<ProductDetail | null> {
    const product = await this.catalog.getProduct(productId);
    return product && { ...product, ...(await this.priceHistory.lowestPrice30d(product.id)) };
  }
  getProducts(query: ProductQuery = {}): Promise<Product[]> {
    return this.catalogCache.read(`products:${JSON.stringify(query)}`, () => this.catalog.getProducts(query));
  }
  /** `changedBy`: the admin's customer id, kept in the price history. */
  updateProduct(productId: number, patch: ProductPatch, changedBy: number | null = null): Promise<Product> {
    return this.catalog.updateProduct(productId, patch, changedBy);
  }
  getPriceHistory(productId: number): Promise<PriceChange[]> {
    return this.priceHistory.history(productId);
  }

  // Reviews
  addReview(customerId: number, productId: number, review: NewReview): Promise<Review> {
    return this.reviews.create(customerId, productId, review);
  }
  editReview(customerId: number, reviewId: number, patch: ReviewPatch): Promise<Review> {
    return this.reviews.edit(customerId, reviewId, patch);
  }
  deleteReview(customerId: number, reviewId: number): Promise<void> {
    return this.reviews.delete(customerId, reviewId);
  }
  /** Moderation: hidden reviews leave the public list and the product's rating. */
  hideReview(reviewId: number, hidden = true): Promise<Review> {
    return this.reviews.setHidden(reviewId, hidden);
  }
  getProductReviews(productId: number, options: { limit?: number; cursor?: number } = {}): Promise<ReviewPage> {
    return this.reviews.listForProduct(productId, options);
  }

  // Product images
  addProductImage(productId: number, bytes: Buffer): Promise<ProductImage> {
    return this.images.add(productId, bytes);
  }
  getProductImages(productId: number): Promise<ProductImage[]> {
    return this.images.list(productId);
  }
  removeProductImage(productId: number, imageId: number): Promise<void> {
    return this.images.remove(productId, imageId);
  }
  moveProductImage(productId: number, imageId: number, position: number): Promise<ProductImage[]> {
    return this.images.move(productId, imageId, position);
  }
  readImage(hash: string): Promise<{ bytes: Buffer; mime: ImageMime } | null> {
    return this.images.read(hash);
  }
  /** Deletes image files no product uses any more (untouched for `graceMs`, default an hour). */
  sweepImages(graceMs?: number): Promise<number> {
    return this.images.sweep(graceMs);
  }
  getCategories(): Promise<Category[]> {
    return this.catalogCache.read('categories', () => this.catalog.getCategories());
  }
  /** Full-text search and browsing with filters, sorts, cursor pages and category facets; cached. */
  search(query: SearchQuery = {}): Promise<SearchResult> {
    return this.searchService.search(query);
  }

  // Inventory
  updateStock(productId: number, quantityDelta: number, reason?: string): Promise<number> {
    return this.inventory.updateStock(productId, quantityDelta, reason);
  }
  getInventoryMovements(productId: number): Promise<InventoryMovement[]> {
    return this.inventory.movements(productId);
  }
  getLowStock(threshold = 10): Promise<Product[]> {
    return this.catalog.lowStock(threshold);
  }

  // Cart: a customer's (by id) or a guest's ({ guestToken })
  /** A new guest cart; keep the token, only its hash is stored. */
  createGuestCart(): Promise<{ token: string }> {
    return this.cart.createGuest();
  }
  /** `variantId` is required for a product with several variants. */
  addToCart(owner: CartOwner, productId: number, quantity = 1, options?: LineOptions): Promise<void> {
    return this.cart.add(owner, productId, quantity, options);
  }
  setCartQuantity(owner: CartOwner, productId: number, quantity: number, options?: LineOptions): Promise<void> {
    return this.cart.setQuantity(owner, productId, quantity, options);
  }
  removeFromCart(owner: CartOwner, productId: number, quantity?: number, options?: LineOptions): Promise<void> {
    return this.cart.remove(owner, productId, quantity, options);
  }
  getCart(owner: CartOwner): Promise<CartItem[]> {
    return this.cart.get(owner);
  }
  clearCart(owner: CartOwner): Promise<void> {
    return this.cart.clear(owner);
  }
  /** Login or registration with a guest cart: its lines join the customer's (capped by stock). */
  mergeGuestCart(guestToken: string, customerId: number): Promise<void> {
    return this.cart.merge(guestToken, customerId);
  }
  /** The cart with subtotal and the applied code's discount; with a destination also shipping, tax and total as checkout computes them. */
  getCartSummary(owner: CartOwner, destination: Destination = {}): Promise<CartSummary> {
    return this.promotions.cartSummary(owner, destination);
  }
  /** The methods that ship this cart to `country`, priced for its subtotal after discount. */
  getCartShippingMethods(owner: CartOwner, country: string): Promise<ShippingQuote[]> {
    return cartShippingMethods(this.db, owner, country, this.shop);
  }
  applyDiscount(owner: CartOwner, code: string): Promise<CartSummary> {
    return this.promotions.applyToCart(owner, code);
  }
  removeDiscount(owner: CartOwner): Promise<CartSummary> {
    return this.promotions.removeFromCart(owner);
  }

  // Discount codes (admin)
  createDiscountCode(input: NewDiscountCode): Promise<DiscountCode> {
    return this.promotions.create(input);
  }
  listDiscountCodes(): Promise<DiscountCode[]> {
    return this.promotions.list();
  }
  updateDiscountCode(code: string, patch: DiscountCodePatch): Promise<DiscountCode> {
    return this.promotions.update(code, patch);
  }

  // Address book
  /** The customer's addresses, the default first. */
  listAddresses(customerId: number): Promise<SavedAddress[]> {
    return this.addresses.list(customerId);
  }
  addAddress(customerId: number, address: NewAddress): Promise<SavedAddress> {
    return this.addresses.add(customerId, address);
  }
  updateAddress(customerId: number, addressId: number, patch: AddressPatch): Promise<SavedAddress> {
    return this.addresses.update(customerId, addressId, patch);
  }
  removeAddress(customerId: number, addressId: number): Promise<void> {
    return this.addresses.remove(customerId, addressId);
  }

  // Shipping methods and tax rates (admin)
  createShippingMethod(input: NewShippingMethod): Promise<ShippingMethod> {
    return this.shipping.create(input);
  }
  listShippingMethods(): Promise<ShippingMethod[]> {
    return this.shipping.list();
  }
  updateShippingMethod(methodId: number, patch: ShippingMethodPatch): Promise<ShippingMethod> {
    return this.shipping.update(methodId, patch);
  }
  createTaxRate(input: NewTaxRate): Promise<TaxRate> {
    return this.taxes.create(input);
  }
  listTaxRates(): Promise<TaxRate[]> {
    return this.taxes.list();
  }
  updateTaxRate(rateId: number, patch: TaxRatePatch): Promise<TaxRate> {
    return this.taxes.update(rateId, patch);
  }
  removeTaxRate(rateId: number): Promise<void> {
    return this.taxes.remove(rateId);
  }

  // Orders
  createOrder(customerId: number, options: CreateOrderOptions = {}): Promise<number> {
    return this.orders.create(customerId, options);
  }
  /** Checks out an account's or a guest's cart; a guest gets the order's access token (shown once). */
  checkout(owner: CartOwner, options: CheckoutOptions = {}): Promise<CheckoutResult> {
    return this.orders.checkout(owner, options);
  }
  /** The order with its payment figures and payment ledger. */
  async getOrder(orderId: number): Promise<(Order & OrderPayment) | null> {
    const order = await this.orders.get(orderId);
    return order && (await this.payments.withPayments([order]))[0]!;
  }
  /** A guest order by its access token; null for a wrong token, exactly as for a missing order. */
  async getGuestOrder(orderId: number, accessToken: string): Promise<(Order & OrderPayment) | null> {
    const order = await this.orders.getByAccessToken(orderId, accessToken);
    return order && (await this.payments.withPayments([order]))[0]!;
  }

  // Payments
  /** Pays the order in full with a provider (default `test`); a declined card is a PaymentDeclinedError and the order stays payable. */
  payOrder(orderId: number, input: PayInput = {}): Promise<PaymentView> {
    return this.payments.pay(orderId, input);
  }
  /** Captures an authorised payment (PAYMENT_CAPTURE=manual). */
  captureOrder(orderId: number, amountCents?: number): Promise<PaymentView> {
    return this.payments.capture(orderId, amountCents);
  }
  /** Refunds part or all of what was paid; `idempotencyKey` makes a retry return the first refund. */
  refundOrder(orderId: number, input: RefundInput = {}, idempotencyKey: string | null = null): Promise<RefundView> {
    return this.payments.refund(orderId, input, idempotencyKey);
  }
  async updateOrderStatus(orderId: number, status: OrderStatus): Promise<Order & OrderPayment> {
    const order = await this.orders.updateStatus(orderId, status);
    return (await this.payments.withPayments([order]))[0]!;
  }
  /** Cancels; an authorised payment is voided and a captured one refunded in full, once. */
  cancelOrder(orderId: number): Promise<Order & OrderPayment> {
    return this.updateOrderStatus(orderId, 'cancelled');
  }
  /** Newest first, each with its payment state, exactly as `getOrder` shows it. */
  async getCustomerOrders(customerId: number): Promise<(Order & OrderPayment)[]> {
    return this.payments.withPayments(await this.orders.forCustomer(customerId));
  }

  /**
   * Runs the caller's own read-only SQL (analytics). Refuses anything that could write, whatever
   * its phrasing: SQLite checks the compiled statement and uses a read-only connection; PostgreSQL
   * runs it in a READ ONLY transaction. Placeholders are the backend's own (`?` or `$1`).
   */
  query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.db.readOnlyQuery(sql, params);
  }
}
