import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

describe('error classes', () => {
  const cases: [string, () => api.StorekeeperError, string, number][] = [
    ['ValidationError', () => new api.ValidationError('bad', [{ path: 'x', message: 'bad' }]), 'validation_failed', 400],
    ['NotFoundError', () => new api.NotFoundError('Product', 7), 'not_found', 404],
    ['ConflictError', () => new api.ConflictError('taken'), 'conflict', 409],
    ['InsufficientStockError', () => new api.InsufficientStockError(3, 1, 2), 'insufficient_stock', 409],
    ['EmptyCartError', () => new api.EmptyCartError(5), 'empty_cart', 422],
    ['InvalidStatusTransitionError', () => new api.InvalidStatusTransitionError('delivered', 'pending'), 'invalid_status_transition', 409],
    ['BusyError', () => new api.BusyError(), 'busy', 503],
  ];

  it.each(cases)('%s is exported, a StorekeeperError and an Error, with its stable code', (name, make, code, status) => {
    const exported = (api as Record<string, unknown>)[name];
    expect(typeof exported).toBe('function');
    const e = make();
    expect(e).toBeInstanceOf(exported as new () => unknown);
    expect(e).toBeInstanceOf(api.StorekeeperError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe(name);
    expect(e.code).toBe(code);
    expect(e.statusCode).toBe(status);
    expect(api.ERROR_STATUS[e.code]).toBe(status);
    expect(api.isStorekeeperError(e)).toBe(true);
    expect(typeof e.message).toBe('string');
  });

  it('carry the details a caller needs', () => {
    expect(new api.InsufficientStockError(3, 1, 2)).toMatchObject({ productId: 3, available: 1, requested: 2, details: { productId: 3, available: 1, requested: 2 } });
    expect(new api.InvalidStatusTransitionError('delivered', 'pending')).toMatchObject({ from: 'delivered', to: 'pending' });
    expect(new api.NotFoundError('Order', 9)).toMatchObject({ entity: 'Order', id: 9, message: 'Order 9 not found' });
    expect(new api.EmptyCartError(5).customerId).toBe(5);
    expect(new api.ValidationError('bad', [{ path: 'x', message: 'm' }]).details).toEqual([{ path: 'x', message: 'm' }]);
  });

  it('plain errors are not StorekeeperErrors', () => {
    expect(api.isStorekeeperError(new Error('x'))).toBe(false);
    expect(api.isStorekeeperError({ code: 'not_found' })).toBe(false);
  });
});
