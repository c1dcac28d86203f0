import { ref, runBatch, statement, type BatchResult, type Statement } from '../db/batch.js';
import type { Driver, Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import { emailFor, type EventPayloads, type EventType, type StoreEvent } from './events.js';

/** Where `emit` leaves the events of a transaction for the after-commit listeners. */
const PENDING = Symbol('storekeeper.pendingEvents');
type Observed = Executor & { [PENDING]?: StoreEvent[] };

export interface EmitOptions {
  /**
   * Data only the email may carry (a one-time token): kept on the email's row until it is sent
   * or dead, then erased; never in the event payload, so never in a webhook.
   */
  emailSecret?: Record<string, string>;
}

/** The outbox writes of one event, to run in the caller's transaction (alone by emit, or in a larger batch). */
export interface OutboxWrite {
  /** The event row first (RETURNING id), then its email and webhook messages. */
  statements: Statement[];
  /** Call with the results of the batch that ran the statements: queues the event for the after-commit listeners; returns its id. */
  written(tx: Executor, result: BatchResult): number;
}

/**
 * The statements that write an event to the outbox and fan it out: one email message when the
 * event has one (events.ts), one webhook message per enabled endpoint subscribed to the type (or to
 * `*`). In the caller's transaction, so a rollback removes all of it and a change that did not
 * happen never sends anything; a commit makes the messages as durable as the change.
 */
export function outboxWrite<T extends EventType>(type: T, data: EventPayloads[T], options: EmitOptions = {}): OutboxWrite {
  const at = now();
  // The order an event is about, so the admin's order page finds its emails by index (migration 014).
  const order = (data as { order?: { id?: unknown } }).order;
  const orderId = typeof order?.id === 'number' ? order.id : null;
  const event = statement('INSERT INTO outbox_events (type, payload, order_id, created_at) VALUES (?, ?, ?, ?) RETURNING id', [type, JSON.stringify(data), orderId, at]);
  const eventId = ref(event, 'id');
  const statements = [event];
  const mail = emailFor(type, data);
  if (mail) {
    statements.push(
      statement(
        `INSERT INTO notifications (event_id, kind, recipient, template, private, status, next_attempt_at, created_at, updated_at)
         VALUES (?, 'email', ?, ?, ?, 'pending', ?, ?, ?)`,
        [eventId, mail.to, mail.template, options.emailSecret ? JSON.stringify(options.emailSecret) : null, at, at, at],
      ),
    );
  }
  statements.push(
    statement(
      `INSERT INTO notifications (event_id, kind, endpoint_id, status, next_attempt_at, created_at, updated_at)
       SELECT DISTINCT CAST(? AS BIGINT), 'webhook', e.id, 'pending', CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT) FROM webhook_endpoints e
       JOIN webhook_subscriptions s ON s.endpoint_id = e.id WHERE e.enabled = 1 AND s.event_type IN (?, '*')`,
      [eventId, at, at, at, type],
    ),
  );
  return {
    statements,
    written(tx, result) {
      const id = Number(result.rows<{ id: number }>(event)[0]!.id);
      (tx as Observed)[PENDING]?.push({ id, type, createdAt: at, data } as StoreEvent);
      return id;
    },
  };
}

/** Writes an event to the outbox inside the caller's transaction (see outboxWrite); returns its id. */
export async function emit<T extends EventType>(tx: Executor, type: T, data: EventPayloads[T], options: EmitOptions = {}): Promise<number> {
  const write = outboxWrite(type, data, options);
  return write.written(tx, await runBatch(tx, write.statements));
}

export type EventListener<T extends EventType = EventType> = (event: StoreEvent<T>) => void | Promise<void>;

/** In-process listeners, called after the commit of the transaction that emitted the event. */
export class EventBus {
  private readonly listeners = new Map<EventType | '*', Set<EventListener>>();
  /** Reported when a listener throws or rejects; the other listeners still run. */
  onError: (error: unknown, event: StoreEvent) => void = () => undefined;

  on<T extends EventType>(type: T | '*', listener: EventListener<T>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as EventListener);
    return () => set.delete(listener as EventListener);
  }

  publish(events: readonly StoreEvent[]): void {
    for (const event of events) {
      for (const listener of [...(this.listeners.get(event.type) ?? []), ...(this.listeners.get('*') ?? [])]) {
        try {
          void Promise.resolve(listener(event)).catch((e: unknown) => this.onError(e, event));
        } catch (e) {
          this.onError(e, event);
        }
      }
    }
  }
}

/**
 * Makes `db.transaction` collect the events its body emits and publish them once the driver has
 * answered, i.e. after COMMIT (SQLite group commit: after the batch committed and its WAL was
 * fsynced). A body that threw, a rolled-back batch or a failed commit rejects and publishes
 * nothing; a retried body (PostgreSQL serialization failure) starts a fresh list each attempt.
 */
export function publishAfterCommit(db: Driver, bus: EventBus): void {
  const original = db.transaction.bind(db);
  db.transaction = async function <T>(fn: (tx: Executor) => Promise<T>, options?: Parameters<Driver['transaction']>[1]): Promise<T> {
    let events: StoreEvent[] = [];
    const result = await original((tx) => {
      events = [];
      const observed: Observed = Object.create(tx) as Observed;
      observed[PENDING] = events;
      return fn(observed);
    }, options);
    if (events.length > 0) bus.publish(events);
    return result;
  };
}
