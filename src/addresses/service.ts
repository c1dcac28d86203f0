import type { Driver, Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { lockCustomer, requireCustomer } from '../customers/service.js';
import * as v from '../validate.js';
import { ADDRESS_FIELDS, parseAddress, type Address, type AddressInput } from './address.js';

export interface SavedAddress extends Address {
  id: number;
  /** At most one address per customer is the default. */
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

export type NewAddress = AddressInput & { isDefault?: boolean };
export type AddressPatch = Partial<Address> & { isDefault?: boolean };

/** Addresses per customer: enough for any household, and a bound on what one account can store. */
export const MAX_ADDRESSES = 50;

interface AddressRow {
  id: number;
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postal_code: string;
  country: string;
  phone: string | null;
  is_default: number;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, name, line1, line2, city, region, postal_code, country, phone, is_default, created_at, updated_at';
const INPUT_FIELDS = [...ADDRESS_FIELDS, 'isDefault'] as const;

const toSaved = (r: AddressRow): SavedAddress => ({
  id: Number(r.id),
  name: r.name,
  line1: r.line1,
  line2: r.line2,
  city: r.city,
  region: r.region,
  postalCode: r.postal_code,
  country: r.country,
  phone: r.phone,
  isDefault: Number(r.is_default) === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The address part of a saved address (what an order copies). */
export function addressOf(saved: SavedAddress): Address {
  const { name, line1, line2, city, region, postalCode, country, phone } = saved;
  return { name, line1, line2, city, region, postalCode, country, phone };
}

/** The customer's own address; another customer's id is a 404, exactly like one that does not exist. */
export async function readAddress(ex: Executor, customerId: number, addressId: number): Promise<SavedAddress> {
  const row = await ex.get<AddressRow>(`SELECT ${COLUMNS} FROM addresses WHERE id = ? AND customer_id = ?`, [addressId, customerId]);
  if (!row) throw new NotFoundError('Address', addressId);
  return toSaved(row);
}

function isDefaultFlag(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new ValidationError('isDefault must be a boolean', [{ path: 'isDefault', message: 'must be a boolean' }]);
  return value;
}

/** Only inside the transaction that sets the new default, so a customer never has two. */
async function clearDefault(tx: Executor, customerId: number): Promise<void> {
  await tx.run('UPDATE addresses SET is_default = 0, updated_at = ? WHERE customer_id = ? AND is_default = 1', [now(), customerId]);
}

/**
 * The address book. Every write locks the customer first (PostgreSQL row lock; SQLite has one
 * writer), so the limit and the single default hold under concurrent requests; a partial unique
 * index in the schema guarantees the single default as well.
 */
export class AddressService {
  constructor(private readonly db: Driver) {}

  /** The default address first, then in the order they were added. */
  async list(customerId: number): Promise<SavedAddress[]> {
    const cid = v.id(customerId, 'customerId');
    await requireCustomer(this.db, cid);
    const rows = await this.db.all<AddressRow>(`SELECT ${COLUMNS} FROM addresses WHERE customer_id = ? ORDER BY is_default DESC, id`, [cid]);
    return rows.map(toSaved);
  }

  async get(customerId: number, addressId: number): Promise<SavedAddress> {
    return readAddress(this.db, v.id(customerId, 'customerId'), v.id(addressId, 'addressId'));
  }

  async add(customerId: number, input: NewAddress): Promise<SavedAddress> {
    const cid = v.id(customerId, 'customerId');
    const { isDefault, ...fields } = v.record(input, 'address', INPUT_FIELDS);
    const makeDefault = isDefaultFlag(isDefault) ?? false;
    const a = parseAddress(fields);
    const row = await this.db.transaction(async (tx) => {
      if (!(await lockCustomer(tx, cid))) throw new NotFoundError('Customer', cid);
      const count = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM addresses WHERE customer_id = ?', [cid]);
      if (Number(count?.n ?? 0) >= MAX_ADDRESSES) {
        throw new ConflictError(`An address book holds at most ${MAX_ADDRESSES} addresses`, { limit: MAX_ADDRESSES });
      }
      if (makeDefault) await clearDefault(tx, cid);
      const at = now();
      return tx.get<AddressRow>(
        `INSERT INTO addresses (customer_id, name, line1, line2, city, region, postal_code, country, phone, is_default, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        [cid, a.name, a.line1, a.line2, a.city, a.region, a.postalCode, a.country, a.phone, makeDefault ? 1 : 0, at, at],
      );
    });
    return toSaved(row!);
  }

  /** Changes fields (null clears an optional one); `isDefault: true` moves the default here. */
  async update(customerId: number, addressId: number, patch: AddressPatch): Promise<SavedAddress> {
    const cid = v.id(customerId, 'customerId');
    const aid = v.id(addressId, 'addressId');
    const { isDefault, ...fields } = v.record(patch, 'patch', INPUT_FIELDS);
    const makeDefault = isDefaultFlag(isDefault);
    const row = await this.db.transaction(async (tx) => {
      if (!(await lockCustomer(tx, cid))) throw new NotFoundError('Customer', cid);
      const current = await readAddress(tx, cid, aid);
      const a = parseAddress({ ...addressOf(current), ...fields });
      if (makeDefault === true && !current.isDefault) await clearDefault(tx, cid);
      const flag = makeDefault === undefined ? current.isDefault : makeDefault;
      return tx.get<AddressRow>(
        `UPDATE addresses SET name = ?, line1 = ?, line2 = ?, city = ?, region = ?, postal_code = ?, country = ?, phone = ?, is_default = ?, updated_at = ?
         WHERE id = ? AND customer_id = ? RETURNING ${COLUMNS}`,
        [a.name, a.line1, a.line2, a.city, a.region, a.postalCode, a.country, a.phone, flag ? 1 : 0, now(), aid, cid],
      );
    });
    return toSaved(row!);
  }

  /** Deletes the address; orders keep their own copies, so no order changes. */
  async remove(customerId: number, addressId: number): Promise<void> {
    const cid = v.id(customerId, 'customerId');
    const aid = v.id(addressId, 'addressId');
    await this.db.transaction(async (tx) => {
      if (!(await lockCustomer(tx, cid))) throw new NotFoundError('Customer', cid);
      const { changes } = await tx.run('DELETE FROM addresses WHERE id = ? AND customer_id = ?', [aid, cid]);
      if (changes === 0) throw new NotFoundError('Address', aid);
    });
  }
}
