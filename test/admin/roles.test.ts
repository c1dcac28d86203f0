import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { migrate } from '../../src/db/migrate.js';
import { openDriver } from '../../src/db/open.js';
import { PostgresDriver } from '../../src/db/postgres.js';
import { EcommercePlatform } from '../../src/index.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';

const T = '2024-03-01T10:00:00.000Z';

describe.each(backends)('staff role on $name', (backend) => {
  it('migration 011 keeps the accounts of a version-5 database and then accepts staff', async () => {
    const { url, cleanup } = await backend.create();
    try {
      const old = await openDriver(url);
      if (old instanceof PostgresDriver) await old.ensureSchema();
      await migrate(old, 5);
      await old.transaction(async (tx) => {
        await tx.run(`INSERT INTO customers (id, email, name, created_at) VALUES (1, 'boss@example.com', 'Boss', ?)`, [T]);
        await tx.run(`INSERT INTO accounts (customer_id, password_hash, role, created_at, updated_at) VALUES (1, 'h', 'admin', ?, ?)`, [T, T]);
        if (tx.dialect === 'postgres') await tx.run(`SELECT setval(pg_get_serial_sequence('customers', 'id'), 10)`);
      });
      await old.close();
      const platform = await EcommercePlatform.open(url);
      try {
        expect(await platform.query('SELECT customer_id, role FROM accounts')).toEqual([{ customer_id: 1, role: 'admin' }]);
        const staff = await new AuthService(platform.db, { scryptCost: 1024 }).createAdmin({ email: 'desk@example.com', password: 'staff password', role: 'staff' });
        expect(await new AuthService(platform.db).roleOf(staff.id)).toBe('staff');
        await expect(platform.db.run(`UPDATE accounts SET role = 'owner' WHERE customer_id = 1`)).rejects.toThrow();
      } finally {
        await platform.close();
      }
    } finally {
      await cleanup();
    }
  });

  describe('the API enforces the roles', () => {
    let server: TestServer;
    let staffToken: string;
    let adminToken: string;
    let productId: number;
    beforeAll(async () => {
      server = await startTestServer(backend);
      adminToken = (await server.admin()).token;
      await new AuthService(server.platform.db, { scryptCost: 1024 }).createAdmin({ email: 'staff@example.com', password: 'staff password', role: 'staff' });
      staffToken = (await server.call('POST', '/api/auth/login', { body: { email: 'staff@example.com', password: 'staff password' } })).body.token;
      productId = await server.platform.addProduct({ name: 'Kettle', priceCents: 2500, stock: 5 });
    });
    afterAll(() => server.close());

    it('staff move orders, read customers and adjust stock', async () => {
      const shopper = await server.shopper();
      await server.platform.addToCart(shopper.id, productId, 1);
      const orderId = await server.platform.createOrder(shopper.id);
      const paid = await server.call('POST', `/api/orders/${orderId}/payments`, { token: shopper.token, body: { card: '4242424242424242' } });
      expect(paid.status).toBe(201);
      const moved = await server.call('POST', `/api/admin/orders/${orderId}/status`, { token: staffToken, body: { status: 'processing' } });
      expect(moved.status).toBe(200);
      expect(moved.body.order.status).toBe('processing');
      expect((await server.call('GET', '/api/admin/customers', { token: staffToken })).status).toBe(200);
      const stock = await server.call('POST', `/api/products/${productId}/stock`, { token: staffToken, body: { delta: 3, reason: 'recount' } });
      expect(stock.body).toEqual({ productId, stock: 7 });
    });

    it('staff are refused catalog, promotion and review settings; customers everything staff may do', async () => {
      const before = await server.platform.getProduct(productId);
      const edit = await server.call('PATCH', `/api/products/${productId}`, { token: staffToken, body: { priceCents: 1 } });
      expect(edit.status).toBe(403);
      expect(edit.body.error.code).toBe('forbidden');
      expect((await server.call('POST', '/api/admin/discount-codes', { token: staffToken, body: { code: 'X', type: 'fixed', value: 100 } })).status).toBe(403);
      expect(await server.platform.getProduct(productId)).toEqual(before);
      const shopper = await server.shopper();
      expect((await server.call('GET', '/api/admin/orders', { token: shopper.token })).status).toBe(403);
      expect((await server.call('POST', `/api/products/${productId}/stock`, { token: shopper.token, body: { delta: 1 } })).status).toBe(403);
      expect((await server.call('GET', '/api/admin/orders', { token: adminToken })).status).toBe(200);
    });
  });
});
