import { Type } from '@fastify/type-provider-typebox';
import { OrderStatusSchema } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { MAX_STOCK } from '../validate.js';

const open = { additionalProperties: true } as const;
const Items = <T extends Parameters<typeof Type.Array>[0]>(item: T) => ({ 200: Type.Object({ items: Type.Array(item) }) });

/** Read-only reports for admins; each maps to one ReportService query. */
export const reportRoutes: Routes = (app, { platform }) => {
  // The dashboard's figures: staff see them too.
  const admin = { auth: 'staff' as const };
  const tags = ['reports', 'admin'];

  app.get(
    '/api/admin/reports/top-customers',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Customers by total spent (cancelled orders excluded)',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })) }),
        response: Items(
          Type.Object(
            {
              customerId: Type.Integer(),
              name: Type.String(),
              email: Type.String(),
              orderCount: Type.Integer(),
              totalSpent: Type.Number(),
              totalSpentCents: Type.Integer(),
            },
            open,
          ),
        ),
      },
    },
    async (request) => ({ items: await platform.reports.topCustomers({ limit: request.query.limit }) }),
  );

  app.get(
    '/api/admin/reports/daily-sales',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Orders and revenue per UTC day for orders now in a status (default delivered)',
        querystring: Type.Object({ status: Type.Optional(OrderStatusSchema) }),
        response: Items(
          Type.Object({ date: Type.String(), orders: Type.Integer(), revenue: Type.Number(), revenueCents: Type.Integer() }, open),
        ),
      },
    },
    async (request) => ({ items: await platform.reports.dailySales({ status: request.query.status }) }),
  );

  app.get(
    '/api/admin/reports/low-stock',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Products with stock below a threshold (default 10)',
        querystring: Type.Object({ threshold: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_STOCK, default: 10 })) }),
        response: Items(
          Type.Object({ productId: Type.Integer(), name: Type.String(), category: Type.Union([Type.String(), Type.Null()]), stock: Type.Integer() }, open),
        ),
      },
    },
    async (request) => ({ items: await platform.reports.lowStock({ threshold: request.query.threshold }) }),
  );

  app.get(
    '/api/admin/reports/pending-orders',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Orders waiting to be processed, oldest first',
        response: Items(
          Type.Object(
            {
              orderId: Type.Integer(),
              customerId: Type.Integer(),
              customerName: Type.String(),
              totalAmount: Type.Number(),
              totalCents: Type.Integer(),
              itemCount: Type.Integer(),
              createdAt: Type.String(),
            },
            open,
          ),
        ),
      },
    },
    async () => ({ items: await platform.reports.pendingOrders() }),
  );
};
