import type { Address } from '../addresses/address.js';
import { currency as currencyOf, fromMinor } from '../money.js';
import type { OrderStatus } from './status.js';

export interface OrderItem {
  productId: number;
  variantId: number | null;
  sku: string | null;
  variantTitle: string | null;
  productName: string;
  quantity: number;
  /** Unit price at the moment of the order. */
  price: number;
  priceCents: number;
  subtotal: number;
  subtotalCents: number;
  /** This line's share of the order's discount. */
  discountCents: number;
  tax: number;
  taxCents: number;
  taxRatePercent: number;
}

export interface StatusChange {
  status: OrderStatus;
  at: string;
}

export interface Order {
  id: number;
  customerId: number;
  customerName: string;
  customerEmail: string;
  /** The order's email (the customer's). */
  email: string;
  /** Placed without an account (with a cart token). */
  placedAsGuest: boolean;
  status: OrderStatus;
  currency: string;
  /** Sum of the lines at the prices of the moment. */
  subtotal: number;
  subtotalCents: number;
  /** Taken off by the discount code redeemed at checkout (0 without one). */
  discount: number;
  discountCents: number;
  discountCode: string | null;
  shipping: number;
  shippingCents: number;
  shippingTaxCents: number;
  /** Tax of the lines and of shipping; included in the prices when pricesIncludeTax. */
  tax: number;
  taxCents: number;
  pricesIncludeTax: boolean;
  shippingMethod: { id: number; name: string } | null;
  /** Copies made at checkout: editing the address book never changes them. */
  shippingAddress: Address | null;
  billingAddress: Address | null;
  /** subtotal − discount + shipping (+ tax when prices are net): what the customer pays. */
  totalAmount: number;
  totalCents: number;
  createdAt: string;
  updatedAt: string;
  items: OrderItem[];
  statusHistory: StatusChange[];
}

export interface OrderRow {
  id: number;
  customer_id: number;
  customer_name: string;
  customer_email: string;
  status: OrderStatus;
  currency: string;
  subtotal_cents: number;
  discount_cents: number;
  discount_code: string | null;
  shipping_cents: number;
  shipping_tax_cents: number;
  tax_cents: number;
  prices_include_tax: number;
  shipping_method_id: number | null;
  shipping_method_name: string | null;
  shipping_address: string | null;
  billing_address: string | null;
  placed_as_guest: number;
  total_cents: number;
  created_at: string;
  updated_at: string;
}
export interface ItemRow {
  order_id: number;
  product_id: number;
  variant_id: number | null;
  sku: string | null;
  variant_title: string | null;
  product_name: string;
  quantity: number;
  price_cents: number;
  discount_cents: number;
  tax_cents: number;
  tax_rate_milli: number;
}
export interface HistoryRow {
  order_id: number;
  status: OrderStatus;
  at: string;
}

/**
 * Orders as the API shows them, from their rows (items and history in id order, any orders mixed):
 * the one mapping for orders read back and for the order checkout has just written.
 */
export function toOrders(rows: readonly OrderRow[], items: readonly ItemRow[], history: readonly HistoryRow[]): Order[] {
const byOrder = new Map<number, { order: Order; c: ReturnType<typeof currencyOf> }>();
  const orders = rows.map((r) => {
    const c = currencyOf(r.currency);
    const m = (minor: number) => fromMinor(minor, c);
    const o: Order = {
      id: r.id,
      customerId: r.customer_id,
      customerName: r.customer_name,
      customerEmail: r.customer_email,
      email: r.customer_email,
      placedAsGuest: r.placed_as_guest === 1,
      status: r.status,
      currency: r.currency,
      subtotal: m(r.subtotal_cents),
      subtotalCents: r.subtotal_cents,
      discount: m(r.discount_cents),
      discountCents: r.discount_cents,
      discountCode: r.discount_code,
      shipping: m(r.shipping_cents),
      shippingCents: r.shipping_cents,
      shippingTaxCents: r.shipping_tax_cents,
      tax: m(r.tax_cents),
      taxCents: r.tax_cents,
      pricesIncludeTax: r.prices_include_tax === 1,
      shippingMethod: r.shipping_method_id === null ? null : { id: r.shipping_method_id, name: r.shipping_method_name ?? '' },
      shippingAddress: r.shipping_address === null ? null : (JSON.parse(r.shipping_address) as Address),
      billingAddress: r.billing_address === null ? null : (JSON.parse(r.billing_address) as Address),
      totalAmount: m(r.total_cents),
      totalCents: r.total_cents,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      items: [],
      statusHistory: [],
    };
    byOrder.set(r.id, { order: o, c });
    return o;
  });
  for (const i of items) {
    const { order, c } = byOrder.get(i.order_id)!;
    order.items.push({
      productId: i.product_id,
      variantId: i.variant_id,
      sku: i.sku,
      variantTitle: i.variant_title,
      productName: i.product_name,
      quantity: i.quantity,
      price: fromMinor(i.price_cents, c),
      priceCents: i.price_cents,
      subtotal: fromMinor(i.price_cents * i.quantity, c),
      subtotalCents: i.price_cents * i.quantity,
      discountCents: i.discount_cents,
      tax: fromMinor(i.tax_cents, c),
      taxCents: i.tax_cents,
      taxRatePercent: i.tax_rate_milli / 1000,
    });
  }
  for (const h of history) byOrder.get(h.order_id)!.order.statusHistory.push({ status: h.status, at: h.at });
  return orders;
}
