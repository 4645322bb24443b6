import { quickCheckSignal, type Signal, SignalSchema, seriesKeyOf } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const epochMs = fc.oneof(
  fc.constantFrom(0, -0, Number.MIN_VALUE, Number.MAX_VALUE, 1_700_000_000_000),
  fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
  fc.nat(),
);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const nonEmpty = fc.string({ minLength: 1 });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Drops keys whose value is undefined, so generated objects look like parsed JSON. */
const compact = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const base = {
  timestamp: epochMs,
  attributes: optional(fc.dictionary(fc.string(), fc.oneof(fc.string(), finite, fc.boolean(), fc.constant(null)))),
  origin: optional(
    fc
      .record({
        source: nonEmpty,
        stream: optional(fc.string()),
        shard: optional(fc.string()),
        sequenceNumber: optional(fc.string()),
        subSequenceNumber: optional(fc.nat()),
        partitionKey: optional(fc.string()),
        file: optional(fc.string()),
        line: optional(fc.nat()),
        receivedAt: optional(epochMs),
      })
      .map(compact),
  ),
};

const logLevel = fc.constantFrom('trace', 'debug', 'info', 'warn', 'error', 'fatal');
const alarmState = fc.constantFrom('OK', 'ALARM', 'INSUFFICIENT_DATA');

const logSignal = fc.record({
  type: fc.constant('log'),
  ...base,
  message: fc.string(),
  level: optional(logLevel),
  logGroup: optional(fc.string()),
  logStream: optional(fc.string()),
  service: optional(fc.string()),
  eventId: optional(fc.string()),
  owner: optional(fc.string()),
});

const stats = fc
  .tuple(finite, finite, finite, fc.double({ min: 1, noNaN: true, noDefaultInfinity: true }))
  .map(([a, b, sum, count]) => ({ min: Math.min(a, b), max: Math.max(a, b), sum, count }));

const metricSignal = fc
  .record({
    type: fc.constant('metric'),
    ...base,
    namespace: nonEmpty,
    name: nonEmpty,
    dimensions: fc.dictionary(fc.string(), fc.string()),
    value: optional(finite),
    stats: optional(stats),
    percentiles: optional(fc.dictionary(fc.string(), finite)),
    unit: optional(fc.string()),
  })
  // A metric needs at least one of value / stats.
  .filter((m) => m.value !== undefined || m.stats !== undefined);

const alarmSignal = fc.record({
  type: fc.constant('alarm'),
  ...base,
  alarmName: nonEmpty,
  alarmArn: optional(fc.string()),
  state: alarmState,
  previousState: optional(alarmState),
  reason: fc.string(),
  reasonData: optional(fc.dictionary(fc.string(), fc.jsonValue())),
  metric: optional(
    fc
      .record({
        namespace: fc.string(),
        name: fc.string(),
        dimensions: fc.dictionary(fc.string(), fc.string()),
        stat: optional(fc.string()),
        periodSeconds: optional(fc.integer({ min: 1 })),
      })
      .map(compact),
  ),
  composite: optional(fc.boolean()),
  account: optional(fc.string()),
  region: optional(fc.string()),
});

const eventSignal = fc.record({
  type: fc.constant('event'),
  ...base,
  source: nonEmpty,
  detailType: nonEmpty,
  detail: fc.dictionary(fc.string(), fc.jsonValue()),
  account: optional(fc.string()),
  region: optional(fc.string()),
  resources: optional(fc.array(fc.string())),
});

/** Valid signals of all four kinds, with optional fields sometimes absent and sometimes explicitly undefined. */
const validSignal: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.oneof(logSignal, metricSignal, alarmSignal, eventSignal), fc.boolean())
  .map(([s, keepUndefined]) => (keepUndefined ? s : compact(s)));

const signalKeys = [
  'type',
  'timestamp',
  'message',
  'level',
  'namespace',
  'name',
  'dimensions',
  'value',
  'stats',
  'alarmName',
  'state',
  'reason',
  'source',
  'detailType',
  'detail',
  'attributes',
  'origin',
] as const;

describe('quickCheckSignal', () => {
  it('accepts every valid signal of all four kinds (never stricter than SignalSchema)', () => {
    fc.assert(
      fc.property(validSignal, (s) => {
        // The generator must really produce valid signals, or the property proves nothing.
        expect(SignalSchema.safeParse(s).success).toBe(true);
        expect(quickCheckSignal(s)).toBeUndefined();
      }),
      { numRuns: 1_000 },
    );
  });

  it('accepts whatever SignalSchema accepts, also among near-valid mutations', () => {
    const mutated = fc
      .tuple(validSignal, fc.dictionary(fc.constantFrom(...signalKeys), fc.anything(), { maxKeys: 2 }))
      .map(([s, patch]) => ({ ...s, ...patch }));
    let accepted = 0;
    fc.assert(
      fc.property(mutated, (s) => {
        if (SignalSchema.safeParse(s).success) {
          accepted++;
          expect(quickCheckSignal(s)).toBeUndefined();
        }
      }),
      { numRuns: 2_000 },
    );
    // Some mutations must survive the schema, or the implication was never exercised.
    expect(accepted).toBeGreaterThan(100);
  });

  it('catches values that are not objects', () => {
    for (const v of [null, undefined, 'log', 1, true]) expect(quickCheckSignal(v)).toBe('signal: expected an object');
  });

  it('catches a missing, negative or non-finite timestamp', () => {
    for (const timestamp of [undefined, -1, Number.NaN, Number.POSITIVE_INFINITY, '2024-01-01']) {
      expect(quickCheckSignal({ type: 'log', timestamp, message: 'x' })).toBe(
        'timestamp: expected a finite number of epoch ms',
      );
    }
  });

  it('catches an unknown type and names it', () => {
    expect(quickCheckSignal({ type: 'trace', timestamp: 1 })).toBe(
      'type: expected one of log, metric, alarm, event (got "trace")',
    );
    expect(quickCheckSignal({ timestamp: 1 })).toMatch(/^type: /);
  });

  it('catches the missing required field of each kind', () => {
    expect(quickCheckSignal({ type: 'log', timestamp: 1 })).toBe('message: expected a string');
    expect(quickCheckSignal({ type: 'metric', timestamp: 1, name: 'n', dimensions: {}, value: 1 })).toBe(
      'namespace/name: expected strings',
    );
    expect(quickCheckSignal({ type: 'metric', timestamp: 1, namespace: 'n', name: 'm', value: 1 })).toBe(
      'dimensions: expected an object',
    );
    expect(quickCheckSignal({ type: 'alarm', timestamp: 1, alarmName: 'a' })).toBe('alarmName/state: expected strings');
    expect(quickCheckSignal({ type: 'event', timestamp: 1, source: 's' })).toBe('source/detailType: expected strings');
  });

  it('catches a metric without a value or stats, and a non-finite value', () => {
    const m = { type: 'metric', timestamp: 1, namespace: 'n', name: 'm', dimensions: {} };
    expect(quickCheckSignal(m)).toBe('value: a metric needs a value or a statistic set');
    expect(quickCheckSignal({ ...m, value: Number.NaN })).toBe('value: expected a finite number');
    expect(quickCheckSignal({ ...m, value: '1' })).toBe('value: expected a finite number');
  });

  it('agrees with SignalSchema on the examples it catches', () => {
    const bad = [
      { type: 'log', timestamp: -5, message: 'x' },
      { type: 'metric', timestamp: 1, namespace: 'n', name: 'm', dimensions: {} },
      { type: 'event', timestamp: 1, detailType: 'd', detail: {} },
    ];
    for (const b of bad) {
      expect(quickCheckSignal(b)).toBeTypeOf('string');
      expect(SignalSchema.safeParse(b).success).toBe(false);
    }
  });
});

describe('seriesKeyOf', () => {
  it('names each kind of series', () => {
    expect(seriesKeyOf({ type: 'log', timestamp: 0, message: 'x', service: 'checkout', logGroup: '/ecs/c' })).toBe(
      'log:checkout',
    );
    expect(seriesKeyOf({ type: 'log', timestamp: 0, message: 'x', logGroup: '/ecs/c' })).toBe('loggroup:/ecs/c');
    expect(seriesKeyOf({ type: 'log', timestamp: 0, message: 'x' })).toBe('log:');
    expect(seriesKeyOf({ type: 'log', timestamp: 0, message: 'x', service: 'unknown' })).toBe('log:unknown');
    expect(
      seriesKeyOf({ type: 'metric', timestamp: 0, namespace: 'AWS/EC2', name: 'CPU', dimensions: {}, value: 1 }),
    ).toBe('metric:AWS/EC2|CPU');
    expect(seriesKeyOf({ type: 'alarm', timestamp: 0, alarmName: 'a-5xx', state: 'ALARM', reason: '' })).toBe(
      'alarm:a-5xx',
    );
    expect(seriesKeyOf({ type: 'event', timestamp: 0, source: 'aws.ecs', detailType: 'Stop', detail: {} })).toBe(
      'event:aws.ecs|Stop',
    );
  });

  it('sorts metric dimensions by name', () => {
    const m: Signal = {
      type: 'metric',
      timestamp: 0,
      namespace: 'AWS/ELB',
      name: '5XX',
      dimensions: { Zone: 'a', LoadBalancer: 'app/x' },
      value: 1,
    };
    expect(seriesKeyOf(m)).toBe('metric:AWS/ELB|5XX{LoadBalancer=app/x,Zone=a}');
  });

  it('never gives two different series the same key', () => {
    const metric = (namespace: string, name: string, dimensions: Record<string, string>): Signal => ({
      type: 'metric',
      timestamp: 0,
      namespace,
      name,
      dimensions,
      value: 1,
    });
    expect(seriesKeyOf(metric('N', 'm', { a: 'b,c=d' }))).not.toBe(seriesKeyOf(metric('N', 'm', { a: 'b', c: 'd' })));
    expect(seriesKeyOf(metric('App/api', 'Errors', {}))).not.toBe(seriesKeyOf(metric('App', 'api/Errors', {})));
    expect(seriesKeyOf(metric('App|x', 'y', {}))).not.toBe(seriesKeyOf(metric('App', 'x|y', {})));
    expect(seriesKeyOf({ type: 'log', timestamp: 0, message: '', service: '/g' })).not.toBe(
      seriesKeyOf({ type: 'log', timestamp: 0, message: '', logGroup: '/g' }),
    );
    const parts = fc.tuple(fc.string(), fc.string(), fc.dictionary(fc.string(), fc.string()));
    fc.assert(
      fc.property(parts, parts, ([n1, m1, d1], [n2, m2, d2]) => {
        const same =
          n1 === n2 &&
          m1 === m2 &&
          JSON.stringify(Object.entries(d1).sort()) === JSON.stringify(Object.entries(d2).sort());
        const k1 = seriesKeyOf(metric(n1 || 'n', m1 || 'm', d1));
        const k2 = seriesKeyOf(metric(n2 || 'n', m2 || 'm', d2));
        return same || n1 === '' || n2 === '' || m1 === '' || m2 === '' ? true : k1 !== k2;
      }),
      { numRuns: 2_000 },
    );
  });

  it('does not depend on the order of dimensions', () => {
    const dims = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1 }), fc.string()), {
      selector: ([k]) => k,
      maxLength: 6,
    });
    fc.assert(
      fc.property(dims, fc.infiniteStream(fc.nat()), (entries, seeds) => {
        const shuffled = [...entries];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (seeds.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const make = (d: [string, string][]): Signal => ({
          type: 'metric',
          timestamp: 0,
          namespace: 'ns',
          name: 'n',
          dimensions: Object.fromEntries(d),
          value: 1,
        });
        expect(seriesKeyOf(make(shuffled))).toBe(seriesKeyOf(make(entries)));
      }),
    );
  });

  it('tells different dimension values apart', () => {
    const m = (v: string): Signal => ({
      type: 'metric',
      timestamp: 0,
      namespace: 'ns',
      name: 'n',
      dimensions: { InstanceId: v },
      value: 1,
    });
    expect(seriesKeyOf(m('i-1'))).not.toBe(seriesKeyOf(m('i-2')));
  });
});
