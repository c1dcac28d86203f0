import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError, type NewCustomer } from '../../src/index.js';
import { backends } from '../backends.js';
import { expectError, snapshot, untyped, usePlatform } from './fixture.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(backends)('customers on $name', (backend) => {
  const ctx = usePlatform(backend);

  it('creates a customer and reads it back', async () => {
    const id = await ctx.platform.createCustomer({ email: 'ada@example.com', name: 'Ada Lovelace', address: '1 Analytical St', phone: '+44 1' });
    expect(Number.isSafeInteger(id) && id > 0).toBe(true);
    const c = await ctx.platform.getCustomer(id);
    expect(c).toEqual({ id, email: 'ada@example.com', name: 'Ada Lovelace', address: '1 Analytical St', phone: '+44 1', createdAt: expect.stringMatching(ISO_UTC) });
  });

  it('leaves optional fields null and trims the name', async () => {
    const id = await ctx.platform.createCustomer({ email: 'bob@example.com', name: '  Bob  ' });
    expect(await ctx.platform.getCustomer(id)).toMatchObject({ name: 'Bob', address: null, phone: null });
  });

  it('returns null for an unknown id and refuses a non-id', async () => {
    expect(await ctx.platform.getCustomer(999)).toBeNull();
    await expectError(ctx.platform.getCustomer(0), ValidationError, 'validation_failed');
    await expectError(ctx.platform.getCustomer(untyped('1')), ValidationError, 'validation_failed');
    await expectError(ctx.platform.getCustomer(1.5), ValidationError, 'validation_failed');
  });

  it('refuses NUL characters in text on every backend (PostgreSQL cannot store them), writing nothing', async () => {
    const before = await snapshot(ctx.platform);
    await expectError(ctx.platform.createCustomer({ email: 'nul@example.com', name: 'A\u0000B' }), ValidationError, 'validation_failed');
    await expectError(ctx.platform.addProduct({ name: 'Lamp', description: 'x\u0000', price: 1, stock: 1 }), ValidationError, 'validation_failed');
    expect(await snapshot(ctx.platform)).toEqual(before);
  });

  it('refuses a duplicate email with ConflictError, case-insensitively, writing nothing', async () => {
    await ctx.platform.createCustomer({ email: 'dup@example.com', name: 'First' });
    const before = await snapshot(ctx.platform);
    await expectError(ctx.platform.createCustomer({ email: 'dup@example.com', name: 'Second' }), ConflictError, 'conflict');
    await expectError(ctx.platform.createCustomer({ email: 'DUP@Example.com', name: 'Third' }), ConflictError, 'conflict');
    expect(await snapshot(ctx.platform)).toEqual(before);
  });

  it('refuses malformed emails, empty names and wrong types from plain JS, writing nothing', async () => {
    const before = await snapshot(ctx.platform);
    for (const email of ['not-an-email', 'a@b', '@example.com', 'a b@example.com', 'a@@example.com', '']) {
      await expectError(ctx.platform.createCustomer({ email, name: 'X' }), ValidationError, 'validation_failed', `email ${JSON.stringify(email)}`);
    }
    for (const name of ['', '   ']) {
      await expectError(ctx.platform.createCustomer({ email: 'x@example.com', name }), ValidationError, 'validation_failed', `name ${JSON.stringify(name)}`);
    }
    const wrong: [string, unknown][] = [
      ['number email', { email: 42, name: 'X' }],
      ['missing email', { name: 'X' }],
      ['number name', { email: 'x@example.com', name: 7 }],
      ['null name', { email: 'x@example.com', name: null }],
      ['object address', { email: 'x@example.com', name: 'X', address: { street: 'a' } }],
      ['number phone', { email: 'x@example.com', name: 'X', phone: 5551234 }],
      ['unknown field', { email: 'x@example.com', name: 'X', nickname: 'y' }],
      ['array input', [{ email: 'x@example.com', name: 'X' }]],
      ['null input', null],
      ['string input', 'x@example.com'],
    ];
    for (const [label, input] of wrong) {
      const err = await expectError(ctx.platform.createCustomer(untyped<NewCustomer>(input)), ValidationError, 'validation_failed', label);
      expect(err.details.length, label).toBeGreaterThan(0);
    }
    expect(await snapshot(ctx.platform)).toEqual(before);
  });

  it('concurrent sign-ups with one email: exactly one wins, the others get ConflictError', async () => {
    await Promise.all(Array.from({ length: 10 }, () => ctx.platform.getCustomer(1))); // open the pool's connections
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => ctx.platform.createCustomer({ email: i % 2 ? 'race@example.com' : 'RACE@example.com', name: `R${i}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    expect((await snapshot(ctx.platform)).customers).toHaveLength(1);
  });

  it('names the unknown field in the error', async () => {
    const err = await expectError(
      ctx.platform.createCustomer(untyped({ email: 'x@example.com', name: 'X', emial: 'typo' })),
      ValidationError,
      'validation_failed',
    );
    expect(err.details[0]!.path).toContain('emial');
  });

  it('updates some fields and returns the customer', async () => {
    const id = await ctx.platform.createCustomer({ email: 'c@example.com', name: 'Carol', phone: '1' });
    const updated = await ctx.platform.updateCustomer(id, { name: 'Caroline', address: 'Elm 2' });
    expect(updated).toMatchObject({ id, email: 'c@example.com', name: 'Caroline', address: 'Elm 2', phone: '1' });
    expect(await ctx.platform.getCustomer(id)).toEqual(updated);
    expect(await ctx.platform.updateCustomer(id, { phone: null })).toMatchObject({ phone: null, name: 'Caroline' });
    expect(await ctx.platform.updateCustomer(id, {})).toMatchObject({ name: 'Caroline' });
    expect(await ctx.platform.updateCustomer(id, { email: 'New@Example.com' })).toMatchObject({ email: 'new@example.com' });
  });

  it('refuses bad updates and writes nothing', async () => {
    const a = await ctx.platform.createCustomer({ email: 'a@example.com', name: 'A' });
    await ctx.platform.createCustomer({ email: 'b@example.com', name: 'B' });
    const before = await snapshot(ctx.platform);
    await expectError(ctx.platform.updateCustomer(a, { email: 'b@example.com' }), ConflictError, 'conflict');
    await expectError(ctx.platform.updateCustomer(a, { email: 'nope' }), ValidationError, 'validation_failed');
    await expectError(ctx.platform.updateCustomer(a, { name: '' }), ValidationError, 'validation_failed');
    await expectError(ctx.platform.updateCustomer(a, untyped({ name: 5 })), ValidationError, 'validation_failed');
    await expectError(ctx.platform.updateCustomer(a, untyped({ role: 'admin' })), ValidationError, 'validation_failed');
    await expectError(ctx.platform.updateCustomer(a, untyped(null)), ValidationError, 'validation_failed');
    await expectError(ctx.platform.updateCustomer(999, { name: 'Ghost' }), NotFoundError, 'not_found');
    await expectError(ctx.platform.updateCustomer(999, {}), NotFoundError, 'not_found');
    await expectError(ctx.platform.updateCustomer(untyped('1'), { name: 'X' }), ValidationError, 'validation_failed');
    expect(await snapshot(ctx.platform)).toEqual(before);
  });
});
