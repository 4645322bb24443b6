import {
  ConfigError,
  type IncidentEvent,
  type IncidentEventType,
  type Notifier,
  SEVERITY_ORDER,
  type Severity,
} from '@aiops/core';
import { isRetryable } from './with-retry.js';

/**
 * Which events a route takes. Every condition given must hold; an empty match takes everything.
 *
 * @example
 * ```ts
 * import type { RouteMatch } from '@aiops/notifiers';
 * const pageable: RouteMatch = { minSeverity: 'high', labels: { env: 'prod', team: ['payments', 'checkout'] } };
 * ```
 */
export interface RouteMatch {
  /** The incident's severity is at least this. */
  readonly minSeverity?: Severity;
  /** The incident's severity is one of these. */
  readonly severities?: readonly Severity[];
  /** Each label equals the string, is one of the strings, or matches the pattern. */
  readonly labels?: Readonly<Record<string, string | readonly string[] | RegExp>>;
  /** The event is of one of these types. */
  readonly eventTypes?: readonly IncidentEventType[];
  /** Anything else. */
  readonly when?: (event: IncidentEvent) => boolean;
}

/**
 * Whether an event satisfies a {@link RouteMatch}.
 *
 * @example
 * ```ts
 * import { makeIncidentEvent } from '@aiops/testing';
 * import { matchesRoute } from '@aiops/notifiers';
 * matchesRoute(makeIncidentEvent('incident.opened'), { minSeverity: 'critical' }); // false (the fixture is high)
 * ```
 */
export function matchesRoute(event: IncidentEvent, match: RouteMatch): boolean {
  const { severity, labels } = event.incident;
  if (match.minSeverity && SEVERITY_ORDER.indexOf(severity) < SEVERITY_ORDER.indexOf(match.minSeverity)) return false;
  if (match.severities && !match.severities.includes(severity)) return false;
  if (match.eventTypes && !match.eventTypes.includes(event.type)) return false;
  for (const [name, want] of Object.entries(match.labels ?? {})) {
    const value = labels[name];
    if (value === undefined) return false;
    if (
      typeof want === 'string' ? value !== want : want instanceof RegExp ? !want.test(value) : !want.includes(value)
    ) {
      return false;
    }
  }
  return match.when ? match.when(event) : true;
}

/**
 * Restricts a notifier to the events a {@link RouteMatch} takes, through `accepts` (combined with the
 * notifier's own). Give each route its own notifier in `createPipeline({ notifiers })`: each then has
 * its own delivery cursor, retries and dead letters. Rename it when the same notifier appears twice.
 *
 * @example
 * ```ts
 * import { createConsoleNotifier, routeNotifier } from '@aiops/notifiers';
 * const urgent = routeNotifier(createConsoleNotifier({ name: 'pager-console' }), { minSeverity: 'critical' });
 * ```
 */
export function routeNotifier(notifier: Notifier, match: RouteMatch, name = notifier.name): Notifier {
  const routed: Notifier = {
    name,
    accepts: (event) => matchesRoute(event, match) && notifier.accepts?.(event) !== false,
    notify: (event, ctx) => notifier.notify(event, ctx),
  };
  if (notifier.start) routed.start = (ctx) => notifier.start!(ctx);
  if (notifier.stop) routed.stop = () => notifier.stop!();
  return routed;
}

/**
 * One route of {@link createRouter}.
 *
 * @example
 * ```ts
 * import { createConsoleNotifier, type Route } from '@aiops/notifiers';
 * const pager: Route = { match: { minSeverity: 'critical' }, to: createConsoleNotifier({ name: 'pager' }) };
 * ```
 */
export interface Route {
  readonly match: RouteMatch;
  readonly to: Notifier;
}

/**
 * Options of {@link createRouter}.
 *
 * @example
 * ```ts
 * import { createConsoleNotifier, type RouterOptions } from '@aiops/notifiers';
 * const options: RouterOptions = { name: 'by-severity', mode: 'all', routes: [{ match: { minSeverity: 'high' }, to: createConsoleNotifier() }] };
 * ```
 */
export interface RouterOptions {
  readonly name: string;
  /** Tried in order. */
  readonly routes: readonly Route[];
  /** `first` sends each event to the first matching route only; `all` to every matching route. */
  readonly mode?: 'first' | 'all';
  /** Takes what no route matched; otherwise such events are skipped. */
  readonly fallback?: Notifier;
}

/**
 * One notifier that dispatches each event to the routes that match it, Alertmanager style: critical
 * production incidents to the pager channel, the rest of a team's to its own channel. Routes share
 * one delivery cursor: one failing route makes the event retried for all of them, which is safe
 * because each route is called with its own idempotency key (`<key>:<route name>`) and this
 * package's notifiers send once per key. Prefer {@link routeNotifier} per route when routes should
 * fail independently.
 *
 * @example
 * ```ts
 * import { createConsoleNotifier, createRouter } from '@aiops/notifiers';
 * const router = createRouter({
 *   name: 'by-team',
 *   routes: [
 *     { match: { labels: { team: 'payments' } }, to: createConsoleNotifier({ name: 'payments' }) },
 *     { match: { minSeverity: 'high' }, to: createConsoleNotifier({ name: 'oncall' }) },
 *   ],
 *   fallback: createConsoleNotifier({ name: 'everything-else' }),
 * });
 * ```
 */
export function createRouter(options: RouterOptions): Notifier {
  const names = [...options.routes.map((r) => r.to.name), ...(options.fallback ? [options.fallback.name] : [])];
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (!options.name || duplicate !== undefined) {
    throw new ConfigError('Invalid options for createRouter', [
      options.name
        ? { path: 'routes', message: `two routes use a notifier named "${duplicate}"` }
        : { path: 'name', message: 'a name is required' },
    ]);
  }
  const mode = options.mode ?? 'first';
  const targets = (event: IncidentEvent): Notifier[] => {
    const hits = options.routes.filter((r) => matchesRoute(event, r.match) && r.to.accepts?.(event) !== false);
    const chosen = (mode === 'first' ? hits.slice(0, 1) : hits).map((r) => r.to);
    if (chosen.length > 0) return chosen;
    return options.fallback && options.fallback.accepts?.(event) !== false ? [options.fallback] : [];
  };
  const all = [...options.routes.map((r) => r.to), ...(options.fallback ? [options.fallback] : [])];
  return {
    name: options.name,
    accepts: (event) => targets(event).length > 0,
    async notify(event, ctx) {
      const results = await Promise.allSettled(
        targets(event).map((n) => n.notify(event, { ...ctx, idempotencyKey: `${ctx.idempotencyKey}:${n.name}` })),
      );
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      // A retryable failure wins, so the outbox retries; the routes that succeeded will not resend.
      if (failed.length > 0) throw (failed.find((f) => isRetryable(f.reason)) ?? failed[0]!).reason;
    },
    async start(ctx) {
      for (const n of all) await n.start?.(ctx);
    },
    async stop() {
      await Promise.allSettled(all.map((n) => n.stop?.()));
    },
  };
}
