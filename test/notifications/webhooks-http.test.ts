import { afterEach, describe, expect, it } from 'vitest';
import { backends, type Backend } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';

describe.each(backends)('webhook endpoints over HTTP on $name', (backend: Backend) => {
  let s: TestServer;
  afterEach(async () => s.close());

  it('create shows the secret once; list/get hide it; patch rotates it and changes events; delete removes; bad input is a 400 and writes nothing', async () => {
    s = await startTestServer(backend);
    const admin = await s.admin();
    const as = { token: admin.token };
    const created = await s.call('POST', '/api/admin/webhooks', { ...as, body: { url: 'https://erp.example.com/hooks', events: ['order.placed', 'stock.low'], description: 'ERP' } });
    expect(created.status).toBe(201);
    const hook = created.body.webhook;
    expect(hook).toMatchObject({ url: 'https://erp.example.com/hooks', events: ['order.placed', 'stock.low'], description: 'ERP', enabled: true });
    expect(Buffer.from(hook.secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);

    const listed = await s.call('GET', '/api/admin/webhooks', as);
    expect(listed.body.webhooks).toHaveLength(1);
    expect(listed.body.webhooks[0].secret).toBeUndefined();
    expect((await s.call('GET', `/api/admin/webhooks/${hook.id}`, as)).body.webhook.secret).toBeUndefined();

    const rotated = await s.call('PATCH', `/api/admin/webhooks/${hook.id}`, { ...as, body: { rotateSecret: true, events: ['*'] } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhook.secret).toMatch(/^whsec_/);
    expect(rotated.body.webhook.secret).not.toBe(hook.secret);
    expect(rotated.body.webhook.events).toEqual(['*']);
    expect((await s.platform.query('SELECT secret FROM webhook_endpoints'))[0]!.secret).toBe(rotated.body.webhook.secret);

    const before = await s.platform.query('SELECT * FROM webhook_endpoints');
    for (const body of [
      { url: 'ftp://x.example.com', events: ['order.placed'] },
      { url: 'not a url', events: ['order.placed'] },
      { url: 'https://x.example.com', events: [] },
      { url: 'https://x.example.com', events: ['order.nope'] },
      { url: 'https://user:pw@x.example.com', events: ['order.placed'] },
    ]) {
      const r = await s.call('POST', '/api/admin/webhooks', { ...as, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    expect((await s.call('PATCH', `/api/admin/webhooks/${hook.id}`, { ...as, body: {} })).status).toBe(400);
    expect(await s.platform.query('SELECT * FROM webhook_endpoints')).toEqual(before);
    expect((await s.call('PATCH', '/api/admin/webhooks/999', { ...as, body: { enabled: false } })).status).toBe(404);
    expect((await s.call('GET', '/api/admin/webhooks/999/deliveries', as)).status).toBe(404);

    // An order now fans out to the endpoint; deleting the endpoint takes its messages with it.
    const shopper = await s.shopper();
    const product = await s.platform.addProduct({ name: 'P', price: 1, stock: 10 });
    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId: product, quantity: 1 } });
    expect((await s.call('POST', '/api/orders', { token: shopper.token })).status).toBe(201);
    const pending = await s.call('GET', '/api/admin/notifications?kind=webhook&status=pending', as);
    expect(pending.body.notifications.map((n: { eventType: string }) => n.eventType)).toEqual(['order.placed', 'customer.registered']);
    expect((await s.call('POST', `/api/admin/notifications/${pending.body.notifications[0].id}/retry`, as)).status).toBe(200);
    expect((await s.call('POST', '/api/admin/notifications/999/retry', as)).status).toBe(404);
    expect((await s.call('DELETE', `/api/admin/webhooks/${hook.id}`, as)).status).toBe(204);
    expect((await s.call('GET', '/api/admin/webhooks', as)).body.webhooks).toEqual([]);
    expect((await s.call('GET', '/api/admin/notifications?kind=webhook', as)).body.notifications).toEqual([]);
    expect((await s.call('DELETE', `/api/admin/webhooks/${hook.id}`, as)).status).toBe(404);
  });
});
