import type { Driver, Row } from './db/driver.js';
import { migrate } from './db/migrate.js';
import { DEFAULT_DATABASE, openDriver, type OpenOptions } from './db/open.js';
import { PostgresDriver } from './db/postgres.js';
import { CartService, type CartItem } from './cart/service.js';
import { CatalogService, type Category, type NewProduct, type Product, type ProductPatch, type ProductQuery } from './catalog/service.js';
import { CustomerService, type Customer, type CustomerPatch, type NewCustomer } from './customers/service.js';
import { InventoryService, type InventoryMovement } from './inventory/service.js';
import { OrderService, type CreateOrderOptions, type Order } from './orders/service.js';
import type { OrderStatus } from './orders/status.js';
import { ReportService } from './reports/service.js';
import { CatalogCache } from './cache/catalog-cache.js';
import { SearchService, type SearchQuery, type SearchResult } from './search/service.js';
import { ReviewService, type NewReview, type Review, type ReviewPage, type ReviewPatch } from './reviews/service.js';
import { PriceHistoryService, type LowestPrice, type PriceChange } from './pricing/history.js';
import { PromotionService, type CartSummary, type DiscountCode, type DiscountCodePatch, type NewDiscountCode } from './promotions/service.js';
import { ImageService, type ProductImage } from './images/service.js';
import { imageStoreFor, type ImageOptions } from './images/options.js';
import type { ImageMime } from './images/sniff.js';
import { AddressService, type AddressPatch, type NewAddress, type SavedAddress } from './addresses/service.js';
import { ShippingService, type NewShippingMethod, type ShippingMethod, type ShippingMethodPatch } from './shipping/service.js';
import { TaxService, type NewTaxRate, type TaxRate, type TaxRatePatch } from './tax/service.js';

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
  readonly addresses: AddressService;
  readonly shipping: ShippingService;
  readonly taxes: TaxService;

  private constructor(
    readonly db: Driver,
    target: string,
    options: ImageOptions,
  ) {
    this.customers = new CustomerService(db);
    this.catalog = new CatalogService(db);
    this.inventory = new InventoryService(db);
    this.cart = new CartService(db);
    this.orders = new OrderService(db);
    this.reports = new ReportService(db);
    this.catalogCache = new CatalogCache(db);
    this.searchService = new SearchService(db, this.catalogCache);
    this.reviews = new ReviewService(db);
    this.priceHistory = new PriceHistoryService(db);
    this.promotions = new PromotionService(db, this.cart);
    this.images = new ImageService(db, imageStoreFor(target, options), options.maxImageBytes);
    this.addresses = new AddressService(db);
    this.shipping = new ShippingService(db);
    this.taxes = new TaxService(db);
  }

  /**
   * Opens (creating and migrating as needed) `./data/store.db`, an SQLite path, `:memory:`,
   * or a `postgres://` URL.
   */
  static async open(target: string = DEFAULT_DATABASE, options: OpenOptions & ImageOptions = {}): Promise<EcommercePlatform> {
    const db = openDriver(target, options);
    try {
      if (db instanceof PostgresDriver) await db.ensureSchema();
      await migrate(db);
    } catch (e) {
      await db.close();
      throw e;
    }
    return new EcommercePlatform(db, target, options);
  }

  close(): Promise<void> {
    return this.db.close();
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

  // Cart
  addToCart(customerId: number, productId: number, quantity = 1): Promise<void> {
    return this.cart.add(customerId, productId, quantity);
  }
  removeFromCart(customerId: number, productId: number, quantity?: number): Promise<void> {
    return this.cart.remove(customerId, productId, quantity);
  }
  getCart(customerId: number): Promise<CartItem[]> {
    return this.cart.get(customerId);
  }
  clearCart(customerId: number): Promise<void> {
    return this.cart.clear(customerId);
  }
  /** The cart with subtotal, the applied code's discount and the total. */
  getCartSummary(customerId: number): Promise<CartSummary> {
    return this.promotions.cartSummary(customerId);
  }
  applyDiscount(customerId: number, code: string): Promise<CartSummary> {
    return this.promotions.applyToCart(customerId, code);
  }
  removeDiscount(customerId: number): Promise<CartSummary> {
    return this.promotions.removeFromCart(customerId);
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
  getOrder(orderId: number): Promise<Order | null> {
    return this.orders.get(orderId);
  }
  updateOrderStatus(orderId: number, status: OrderStatus): Promise<Order> {
    return this.orders.updateStatus(orderId, status);
  }
  cancelOrder(orderId: number): Promise<Order> {
    return this.orders.updateStatus(orderId, 'cancelled');
  }
  getCustomerOrders(customerId: number): Promise<Order[]> {
    return this.orders.forCustomer(customerId);
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
