import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A local fake of the Stripe API, just the part the stripe provider uses (PaymentIntents and
 * refunds), with Stripe's idempotency rule: a repeated Idempotency-Key returns the first response
 * and does nothing again. Knobs let a test drop the connection after the effect, or hold the
 * answer, to play a lost response or a crash between the provider call and our database update.
 */
export interface FakeIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  amount_capturable: number;
  currency: string;
  capture_method: 'automatic' | 'manual';
  status: string;
  client_secret: string;
  metadata: Record<string, string>;
  last_payment_error: null | { code: string; decline_code?: string; message: string };
  latest_charge: string | null;
}

export interface FakeRefund {
  id: string;
  object: 'refund';
  amount: number;
  payment_intent: string;
  status: 'succeeded';
  metadata: Record<string, string>;
  currency: string;
}

export interface RequestLog {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
}

type Kind = 'create' | 'capture' | 'cancel' | 'refund';

export class FakeStripe {
  readonly intents = new Map<string, FakeIntent>();
  readonly refunds: FakeRefund[] = [];
  readonly requests: RequestLog[] = [];
  /** How many times each effect really happened (a replayed key does not count). */
  readonly effects: Record<Kind, number> = { create: 0, capture: 0, cancel: 0, refund: 0 };
  private readonly replies = new Map<string, { status: number; body: string }>();
  private readonly drop = new Set<Kind>();
  private readonly hold = new Map<Kind, () => void>();
  private server: Server | undefined;
  url = '';
  readonly webhookSecret = `whsec_fake_${randomBytes(8).toString('hex')}`;
  readonly secretKey = 'sk_test_fake';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The next request of this kind is carried out, then its connection is dropped without an answer. */
  dropNext(kind: Kind): void {
    this.drop.add(kind);
  }

  /** The next request of this kind is carried out and never answered; resolves once it has been carried out. */
  holdNext(kind: Kind): Promise<void> {
    return new Promise((resolve) => this.hold.set(kind, resolve));
  }

  /** A signed Stripe event, as Stripe would POST it to the webhook endpoint. */
  event(type: string, object: object, options: { id?: string; secret?: string; timestamp?: number } = {}): { raw: string; headers: Record<string, string> } {
    const raw = JSON.stringify({ id: options.id ?? `evt_${randomBytes(8).toString('hex')}`, object: 'event', type, api_version: '2025-01-01', created: Math.floor(Date.now() / 1000), data: { object } });
    const header = Stripe.webhooks.generateTestHeaderString({ payload: raw, secret: options.secret ?? this.webhookSecret, timestamp: options.timestamp });
    return { raw, headers: { 'content-type': 'application/json', 'stripe-signature': header } };
  }

  /** The charge object of a charge.refunded event for an intent, with its refunds. */
  charge(intent: FakeIntent): object {
    const refunds = this.refunds.filter((r) => r.payment_intent === intent.id);
    return {
      id: intent.latest_charge,
      object: 'charge',
      amount: intent.amount,
      amount_captured: intent.amount_received,
      amount_refunded: refunds.reduce((n, r) => n + r.amount, 0),
      currency: intent.currency,
      payment_intent: intent.id,
      refunds: { object: 'list', data: refunds },
    };
  }

  /** The buyer confirms on the client (Stripe.js): the intent succeeds or waits for capture. */
  confirm(id: string): FakeIntent {
    const pi = this.intents.get(id)!;
    this.settle(pi);
    return pi;
  }

  private settle(pi: FakeIntent): void {
    pi.latest_charge = `ch_${randomBytes(8).toString('hex')}`;
    if (pi.capture_method === 'manual') {
      pi.status = 'requires_capture';
      pi.amount_capturable = pi.amount;
    } else {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const url = new URL(req.url!, 'http://fake');
    const key = req.headers['idempotency-key'] as string | undefined;
    this.requests.push({ method: req.method!, path: url.pathname, idempotencyKey: key });
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(6).toString('hex')}` });
      res.end(body);
    };
    if (req.method === 'POST' && key && this.replies.has(key)) {
      const prior = this.replies.get(key)!;
      return send(prior.status, prior.body);
    }
    const route = this.route(req.method!, url.pathname);
    if (!route) return send(404, JSON.stringify({ error: { type: 'invalid_request_error', message: `no route ${req.method} ${url.pathname}` } }));
    const [status, body] = route.run(form, url.searchParams);
    const text = JSON.stringify(body);
    if (req.method === 'POST' && key) this.replies.set(key, { status, body: text });
    if (route.kind && this.drop.delete(route.kind)) {
      req.socket.destroy();
      return;
    }
    const held = route.kind ? this.hold.get(route.kind) : undefined;
    if (held && route.kind) {
      this.hold.delete(route.kind);
      held();
      return; // never answered: the caller is killed meanwhile
    }
    send(status, text);
  }

  private route(method: string, path: string): { kind?: Kind; run: (form: URLSearchParams, query: URLSearchParams) => [number, object] } | undefined {
    const parts = path.split('/').filter(Boolean);
    if (method === 'POST' && path === '/v1/payment_intents') return { kind: 'create', run: (f) => this.create(f) };
    if (method === 'GET' && parts[1] === 'payment_intents' && parts.length === 3) return { run: () => this.find(parts[2]!) };
    if (method === 'POST' && parts[1] === 'payment_intents' && parts[3] === 'capture') return { kind: 'capture', run: (f) => this.capture(parts[2]!, f) };
    if (method === 'POST' && parts[1] === 'payment_intents' && parts[3] === 'cancel') return { kind: 'cancel', run: () => this.cancel(parts[2]!) };
    if (method === 'POST' && path === '/v1/refunds') return { kind: 'refund', run: (f) => this.refund(f) };
    if (method === 'GET' && path === '/v1/refunds') {
      return { run: (_f, q) => [200, { object: 'list', has_more: false, url: '/v1/refunds', data: this.refunds.filter((r) => r.payment_intent === q.get('payment_intent')) }] };
    }
    return undefined;
  }

  private create(f: URLSearchParams): [number, object] {
    const metadata: Record<string, string> = {};
    for (const [k, val] of f) {
      const m = /^metadata\[(.+)\]$/.exec(k);
      if (m) metadata[m[1]!] = val;
    }
    const id = `pi_${randomBytes(10).toString('hex')}`;
    const pi: FakeIntent = {
      id,
      object: 'payment_intent',
      amount: Number(f.get('amount')),
      amount_received: 0,
      amount_capturable: 0,
      currency: f.get('currency')!,
      capture_method: f.get('capture_method') === 'manual' ? 'manual' : 'automatic',
      status: 'requires_payment_method',
      client_secret: `${id}_secret_${randomBytes(6).toString('hex')}`,
      metadata,
      last_payment_error: null,
      latest_charge: null,
    };
    this.intents.set(id, pi);
    this.effects.create++;
    const method = f.get('payment_method');
    if (method && f.get('confirm') === 'true') {
      if (method === 'pm_card_chargeDeclined') {
        pi.last_payment_error = { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
        return [402, { error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.', payment_intent: pi } }];
      }
      this.settle(pi);
    }
    return [200, pi];
  }

  private find(id: string): [number, object] {
    const pi = this.intents.get(id);
    return pi ? [200, pi] : [404, { error: { type: 'invalid_request_error', message: `No such payment_intent: '${id}'` } }];
  }

  private capture(id: string, f: URLSearchParams): [number, object] {
    const pi = this.intents.get(id);
    if (!pi || pi.status !== 'requires_capture') return [400, { error: { type: 'invalid_request_error', message: 'This PaymentIntent could not be captured' } }];
    const amount = Number(f.get('amount_to_capture') ?? pi.amount);
    pi.status = 'succeeded';
    pi.amount_received = amount;
    pi.amount_capturable = 0;
    this.effects.capture++;
    return [200, pi];
  }

  private cancel(id: string): [number, object] {
    const pi = this.intents.get(id);
    if (!pi || pi.status === 'succeeded' || pi.status === 'canceled') return [400, { error: { type: 'invalid_request_error', message: 'This PaymentIntent cannot be canceled' } }];
    pi.status = 'canceled';
    pi.amount_capturable = 0;
    this.effects.cancel++;
    return [200, pi];
  }

  private refund(f: URLSearchParams): [number, object] {
    const pi = this.intents.get(f.get('payment_intent') ?? '');
    const amount = Number(f.get('amount'));
    const refunded = this.refunds.filter((r) => r.payment_intent === pi?.id).reduce((n, r) => n + r.amount, 0);
    if (!pi || pi.status !== 'succeeded' || refunded + amount > pi.amount_received) {
      return [400, { error: { type: 'invalid_request_error', message: 'Refund amount is greater than the unrefunded amount' } }];
    }
    const refund: FakeRefund = {
      id: `re_${randomBytes(10).toString('hex')}`,
      object: 'refund',
      amount,
      payment_intent: pi.id,
      status: 'succeeded',
      currency: pi.currency,
      metadata: f.get('metadata[operation_key]') ? { operation_key: f.get('metadata[operation_key]')! } : {},
    };
    this.refunds.push(refund);
    this.effects.refund++;
    return [200, refund];
  }
}
