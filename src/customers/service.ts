import { ConflictError, NotFoundError } from '../errors.js';
import type { Driver, Executor } from '../db/driver.js';
import { Assignments, isUniqueViolation, now } from '../db/sql.js';
import * as v from '../validate.js';

export interface Customer {
  id: number;
  email: string;
  name: string;
  address: string | null;
  phone: string | null;
  createdAt: string;
}

export interface NewCustomer {
  email: string;
  name: string;
  address?: string | null;
  phone?: string | null;
}

export type CustomerPatch = Partial<NewCustomer>;

export interface CustomerRow {
  id: number;
  email: string;
  name: string;
  address: string | null;
  phone: string | null;
  created_at: string;
}

const COLUMNS = 'id, email, name, address, phone, created_at';
export const toCustomer = (r: CustomerRow): Customer => ({
  id: r.id,
  email: r.email,
  name: r.name,
  address: r.address,
  phone: r.phone,
  createdAt: r.created_at,
});

export async function customerExists(ex: Executor, customerId: number): Promise<boolean> {
  return (await ex.get('SELECT 1 AS one FROM customers WHERE id = ?', [customerId])) !== undefined;
}

export async function requireCustomer(ex: Executor, customerId: number): Promise<void> {
  if (!(await customerExists(ex, customerId))) throw new NotFoundError('Customer', customerId);
}

/**
 * Inside a write transaction: true if the customer exists, and on PostgreSQL locks its row until
 * the transaction ends, so cart edits and checkout of one customer run one at a time (a line added
 * during checkout is never lost, a line never passes the stock). SQLite serialises writers anyway.
 */
export async function lockCustomer(tx: Executor, customerId: number): Promise<boolean> {
  const sql =
    tx.dialect === 'postgres' ? 'SELECT 1 AS one FROM customers WHERE id = ? FOR NO KEY UPDATE' : 'SELECT 1 AS one FROM customers WHERE id = ?';
  return (await tx.get(sql, [customerId])) !== undefined;
}

/**
 * A new customer, or the guest row a guest checkout left for this email (docs/COMMERCE.md): it is
 * claimed, taking the new name and contact details. Undefined when the email belongs to a customer.
 * The guest's orders show in the history only once the email is confirmed.
 */
export async function claimOrInsertCustomer(
  tx: Executor,
  c: { email: string; name: string; address: string | null; phone: string | null },
  at: string,
): Promise<{ id: number; email: string; name: string; address: string | null; phone: string | null; created_at: string } | undefined> {
  const existing = await tx.get<{ id: number; guest: number }>('SELECT id, guest FROM customers WHERE email = ?', [c.email]);
  if (existing && existing.guest !== 1) return undefined;
  if (existing) {
    return tx.get('UPDATE customers SET name = ?, address = ?, phone = ?, guest = 0 WHERE id = ? RETURNING id, email, name, address, phone, created_at', [
      c.name,
      c.address,
      c.phone,
      existing.id,
    ]);
  }
  return tx.get('INSERT INTO customers (email, name, address, phone, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id, email, name, address, phone, created_at', [
    c.email,
    c.name,
    c.address,
    c.phone,
    at,
  ]);
}

export class CustomerService {
  constructor(private readonly db: Driver) {}

  async create(input: NewCustomer): Promise<number> {
    const r = v.record(input, 'customer', ['email', 'name', 'address', 'phone']);
    const email = v.email(r.email);
    const name = v.text(r.name, 'name', 200, 1);
    const address = v.optionalText(r.address, 'address', 500);
    const phone = v.optionalText(r.phone, 'phone', 50);
    try {
      return await this.db.transaction(async (tx) => {
        const row = await claimOrInsertCustomer(tx, { email, name, address, phone }, now());
        if (!row) throw duplicateEmail(email);
        return row.id;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicateEmail(email);
      throw e;
    }
  }

  async get(customerId: number): Promise<Customer | null> {
    const row = await this.db.get<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE id = ?`, [v.id(customerId, 'customerId')]);
    return row ? toCustomer(row) : null;
  }

  async findByEmail(email: string): Promise<Customer | null> {
    const row = await this.db.get<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE email = ?`, [v.email(email)]);
    return row ? toCustomer(row) : null;
  }

  async list(options: { limit?: number; afterId?: number } = {}): Promise<Customer[]> {
    const limit = v.integer(options.limit ?? 50, 'limit', 1, 500);
    const after = options.afterId === undefined ? 0 : v.integer(options.afterId, 'afterId', 0, Number.MAX_SAFE_INTEGER);
    const rows = await this.db.all<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE id > ? ORDER BY id LIMIT ?`, [after, limit]);
    return rows.map(toCustomer);
  }

  async update(customerId: number, patch: CustomerPatch): Promise<Customer> {
    const cid = v.id(customerId, 'customerId');
    const p = v.record(patch, 'patch', ['email', 'name', 'address', 'phone']);
    const sets = new Assignments();
    if (p.email !== undefined) sets.set('email', v.email(p.email));
    if (p.name !== undefined) sets.set('name', v.text(p.name, 'name', 200, 1));
    if (p.address !== undefined) sets.set('address', v.optionalText(p.address, 'address', 500));
    if (p.phone !== undefined) sets.set('phone', v.optionalText(p.phone, 'phone', 50));
    try {
      const row = await this.db.transaction(async (tx) => {
        if (sets.empty) return tx.get<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE id = ?`, [cid]);
        return tx.get<CustomerRow>(`UPDATE customers SET ${sets.sql} WHERE id = ? RETURNING ${COLUMNS}`, [...sets.params, cid]);
      });
      if (!row) throw new NotFoundError('Customer', cid);
      return toCustomer(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicateEmail(String(p.email));
      throw e;
    }
  }
}

function duplicateEmail(email: string): ConflictError {
  return new ConflictError(`A customer with email ${email} already exists`, { field: 'email' });
}
