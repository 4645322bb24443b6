import type { AlarmSignal, EventSignal, LogSignal, MetricSignal, Signal } from '@aiops/core';

/** Start of every generated scenario: 2026-11-20T10:00:00Z. */
export const T0 = Date.parse('2026-11-20T10:00:00Z');
export const MIN = 60_000;

/** A seeded generator, so regenerating the scenarios gives the same files. */
export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    hex: (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(next() * 16)]).join(''),
  };
}
export type Rng = ReturnType<typeof rng>;

/** Where a service writes its logs. */
export interface Service {
  readonly name: string;
  readonly logGroup: string;
  readonly stream?: string;
}

const PATHS = ['/api/cart', '/api/orders', '/api/items', '/health', '/api/search', '/api/login', '/api/checkout'];

/** Ordinary traffic: access lines and the odd client error, `perMin` lines a minute. */
export function traffic(r: Rng, svc: Service, from: number, minutes: number, perMin: number): LogSignal[] {
  const out: LogSignal[] = [];
  const n = minutes * perMin;
  for (let i = 0; i < n; i++) {
    const t = from + Math.floor((i * minutes * MIN) / n) + r.int(0, 900);
    const status = r.next() < 0.02 ? r.pick([400, 404, 409]) : r.pick([200, 200, 200, 201, 204]);
    out.push(log(svc, t, `${r.pick(['GET', 'POST'])} ${r.pick(PATHS)} ${status} ${r.int(3, 180)}ms`, 'info'));
  }
  return out;
}

/** `count` lines spread over [from, from + minutes), each made by `make`. */
export function spread(
  r: Rng,
  from: number,
  minutes: number,
  count: number,
  make: (t: number, i: number) => Signal,
): Signal[] {
  return Array.from({ length: count }, (_, i) =>
    make(from + Math.floor((i * minutes * MIN) / count) + r.int(0, 500), i),
  );
}

export function log(svc: Service, timestamp: number, message: string, level?: LogSignal['level']): LogSignal {
  return {
    type: 'log',
    timestamp,
    message,
    ...(level ? { level } : {}),
    logGroup: svc.logGroup,
    logStream: svc.stream ?? `${svc.name}/task/1`,
    service: svc.name,
  };
}

/** One datapoint a minute of a metric, from `value(minute)`. */
export function metric(
  namespace: string,
  name: string,
  dimensions: Record<string, string>,
  from: number,
  minutes: number,
  value: (minute: number) => number,
  unit?: string,
): MetricSignal[] {
  return Array.from({ length: minutes }, (_, m) => ({
    type: 'metric' as const,
    timestamp: from + m * MIN,
    namespace,
    name,
    dimensions,
    value: Math.round(value(m) * 100) / 100,
    ...(unit ? { unit } : {}),
  }));
}

export function alarm(
  timestamp: number,
  alarmName: string,
  state: AlarmSignal['state'],
  reason: string,
  metricRef?: { namespace: string; name: string; dimensions: Record<string, string> },
  previousState: AlarmSignal['state'] = state === 'ALARM' ? 'OK' : 'ALARM',
): AlarmSignal {
  return {
    type: 'alarm',
    timestamp,
    alarmName,
    state,
    previousState,
    reason,
    ...(metricRef ? { metric: { ...metricRef, stat: 'Average', periodSeconds: 60 } } : {}),
    region: 'eu-west-1',
    account: '123456789012',
  };
}

export function event(
  timestamp: number,
  source: string,
  detailType: string,
  detail: Record<string, unknown>,
): EventSignal {
  return { type: 'event', timestamp, source, detailType, detail, region: 'eu-west-1', account: '123456789012' };
}

/** A baseline around `base` with noise of `noise`, and from minute `from` on, `after(m)`. */
export function shape(r: Rng, base: number, noise: number, from: number, after: (m: number) => number) {
  return (m: number) => (m < from ? base + (r.next() - 0.5) * 2 * noise : after(m - from) + (r.next() - 0.5) * noise);
}
