import {
  type IncidentEvent,
  type IncidentEventType,
  type Notifier,
  type StateStore,
  type StepContext,
  silentLogger,
  systemClock,
} from '@aiops/core';
import { makeIncident, makeIncidentEvent } from '@aiops/testing';

/** The events of one incident life, in order, with ids unique to the fingerprint and epoch. */
export function lifeOf(
  fingerprint: string,
  types: readonly IncidentEventType[],
  options: {
    epoch?: number;
    title?: string;
    severity?: 'high' | 'critical' | 'low';
    labels?: Record<string, string>;
  } = {},
): IncidentEvent[] {
  const epoch = options.epoch ?? 1;
  return types.map((type, i) => {
    const resolved = type === 'incident.resolved';
    const incident = makeIncident({
      fingerprint,
      epoch,
      ...(options.title ? { title: options.title } : {}),
      ...(options.severity ? { severity: options.severity } : {}),
      ...(options.labels ? { labels: options.labels } : {}),
      ...(resolved ? { status: 'resolved', resolvedAt: 1_700_000_600_000, resolution: 'detector' } : {}),
    });
    const event = makeIncidentEvent(type, { incident } as never);
    return { ...event, id: `${fingerprint}:${epoch}:${i + 1}:${type}` } as IncidentEvent;
  });
}

/** A step context on the real clock, as the pipeline gives a notifier. */
export function stepFor(
  notifier: Pick<Notifier, 'name'>,
  event: IncidentEvent,
  store: StateStore,
  options: { attempt?: number; signal?: AbortSignal } = {},
): StepContext {
  return {
    logger: silentLogger,
    clock: systemClock,
    store,
    signal: options.signal ?? new AbortController().signal,
    idempotencyKey: `${event.id}:${notifier.name}`,
    attempt: options.attempt ?? 1,
  };
}

/** Runs `fn` and returns the error it rejects with (fails the test if it resolves). */
export async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
