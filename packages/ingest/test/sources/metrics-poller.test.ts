import {
  type Delivery,
  ManualClock,
  MemoryStateStore,
  type MetricSignal,
  type StageContext,
  silentLogger,
} from '@aiops/core';
import { runSourceContract } from '@aiops/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsPoller, type MetricsPoller } from '../../src/index.js';
import {
  type CloudWatchServer,
  type Series,
  startCloudWatchServer,
  type WireQuery,
} from '../support/cloudwatch-server.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const MIN = 60_000;
const servers: CloudWatchServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** One point a minute for every query (value = minute index), and two groups for Insights queries. */
function everyMinute(q: WireQuery, start: number, end: number): Series[] {
  const points = (scale: number): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    for (let t = Math.ceil(start / MIN) * MIN; t < end; t += MIN) out.push([t, ((t - T0) / MIN) * scale]);
    return out;
  };
  if (q.Expression)
    return [
      { label: 'app/a', points: points(1) },
      { label: 'app/b', points: points(10) },
    ];
  return [{ label: q.Id, points: points(1) }];
}

async function server(pageSize?: number): Promise<CloudWatchServer> {
  const s = await startCloudWatchServer(everyMinute, pageSize === undefined ? {} : { pageSize });
  servers.push(s);
  return s;
}

const cpu = {
  id: 'cpu',
  metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { InstanceId: 'i-1' } },
  stat: 'Average',
  periodSeconds: 60,
};

/** Drives a poller on a manual clock: each step reads one poll, then moves time a poll interval on. */
function driver(poller: MetricsPoller, clock: ManualClock, store = new MemoryStateStore()) {
  const ac = new AbortController();
  const ctx: StageContext = { logger: silentLogger, clock, store, signal: ac.signal };
  const it = poller.read(ctx)[Symbol.asyncIterator]();
  let started = false;
  return {
    /** The next poll: the first at once, later ones after moving the clock past the poll interval. */
    async poll(ack = true, intervalMs = MIN): Promise<Delivery[]> {
      const next = it.next();
      if (started) {
        await waitTimers(clock);
        clock.advance(intervalMs);
      }
      started = true;
      const step = await next;
      const batch = step.done ? [] : [step.value].flat();
      for (const d of batch) ack ? d.ack() : d.nack('no');
      await new Promise((r) => setTimeout(r, 5)); // let the watermark save
      return batch;
    },
    async close() {
      ac.abort();
      await it.return?.();
    },
  };
}

/** Waits (in real time) until the poller has set its timer on the manual clock. */
async function waitTimers(clock: ManualClock): Promise<void> {
  for (let i = 0; i < 500 && clock.pendingTimers === 0; i++) await new Promise((r) => setTimeout(r, 2));
}

const signalsOf = (batch: readonly Delivery[]) =>
  batch.flatMap((d) => (d.payload.type === 'signals' ? (d.payload.signals as MetricSignal[]) : []));

describe('CloudWatch metrics poller (GetMetricData)', () => {
  it('emits every period once across polls: no gap, no repeat', async () => {
    const cw = await server();
    const clock = new ManualClock(T0 + 30 * MIN + 10_000);
    const poller = createMetricsPoller({
      client: cw.client,
      queries: [cpu],
      pollIntervalMs: MIN,
      delayMs: 2 * MIN,
      lookbackMs: 10 * MIN,
    });
    const d = driver(poller, clock);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push(...signalsOf(await d.poll()).map((s) => s.timestamp));
    await d.close();
    const expected = Array.from({ length: 12 }, (_, i) => T0 + (20 + i) * MIN); // [now-10min, now-2min), then a minute more per poll
    expect(seen).toEqual(expected);
    expect(cw.requests[0]).toMatchObject({
      StartTime: (T0 + 20 * MIN) / 1000,
      EndTime: (T0 + 28 * MIN) / 1000,
      MaxDatapoints: 100_800,
    });
    expect(cw.requests[0]?.MetricDataQueries[0]).toEqual({
      Id: 'cpu',
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/EC2',
          MetricName: 'CPUUtilization',
          Dimensions: [{ Name: 'InstanceId', Value: 'i-1' }],
        },
        Period: 60,
        Stat: 'Average',
      },
    });
  });

  it('turns a Metrics Insights GROUP BY query into one series per group', async () => {
    const cw = await server();
    const clock = new ManualClock(T0 + 10 * MIN);
    const poller = createMetricsPoller({
      client: cw.client,
      queries: [
        {
          id: 'errors',
          expression:
            'SELECT SUM(HTTPCode_Target_5XX_Count) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer) GROUP BY LoadBalancer',
          periodSeconds: 60,
          namespace: 'AWS/ApplicationELB',
          name: 'HTTPCode_Target_5XX_Count',
          dimensionsOf: (label) => ({ LoadBalancer: label }),
        },
      ],
      delayMs: 0,
      lookbackMs: 2 * MIN,
    });
    const d = driver(poller, clock);
    const signals = signalsOf(await d.poll());
    await d.close();
    expect(signals.map((s) => [s.timestamp - T0, s.dimensions.LoadBalancer, s.value])).toEqual([
      [8 * MIN, 'app/a', 8],
      [8 * MIN, 'app/b', 80],
      [9 * MIN, 'app/a', 9],
      [9 * MIN, 'app/b', 90],
    ]);
    expect(signals[0]).toMatchObject({
      namespace: 'AWS/ApplicationELB',
      name: 'HTTPCode_Target_5XX_Count',
      attributes: { queryId: 'errors', label: 'app/a' },
    });
    expect(cw.requests[0]?.MetricDataQueries[0]).toMatchObject({
      Id: 'errors',
      Period: 60,
      Expression: expect.stringMatching(/^SELECT SUM/),
    });
  });

  it('follows NextToken pages and keeps calls at 500 queries', async () => {
    const cw = await server(7);
    const clock = new ManualClock(T0 + 10 * MIN);
    const queries = Array.from({ length: 600 }, (_, i) => ({ ...cpu, id: `q${i}` }));
    const poller = createMetricsPoller({ client: cw.client, queries, delayMs: 0, lookbackMs: 3 * MIN });
    const d = driver(poller, clock);
    const signals = signalsOf(await d.poll());
    await d.close();
    expect(signals).toHaveLength(600 * 3);
    expect(new Set(signals.map((s) => `${s.attributes?.queryId}@${s.timestamp}`)).size).toBe(1_800);
    expect(cw.requests.map((r) => r.MetricDataQueries.length)).toEqual([
      ...Array(Math.ceil(1_500 / 7)).fill(500),
      ...Array(Math.ceil(300 / 7)).fill(100),
    ]);
  });

  it('retries a throttled call with backoff', async () => {
    const cw = await server();
    cw.throttle(2);
    const clock = new ManualClock(T0 + 10 * MIN);
    const poller = createMetricsPoller({
      client: cw.client,
      queries: [cpu],
      delayMs: 0,
      lookbackMs: 2 * MIN,
      retry: { baseMs: 1, maxMs: 2 },
    });
    const ac = new AbortController();
    const it = poller
      .read({ logger: silentLogger, clock, store: new MemoryStateStore(), signal: ac.signal })
      [Symbol.asyncIterator]();
    const next = it.next();
    for (let i = 0; i < 20 && cw.requests.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      clock.advance(5);
    }
    const batch = [(await next).value].flat() as Delivery[];
    expect(signalsOf(batch)).toHaveLength(2);
    expect(cw.requests).toHaveLength(3);
    ac.abort();
    await it.return?.();
  });

  it('fetches a window again when a query in it failed, instead of emitting half of it', async () => {
    const cw = await server();
    cw.failQuery('cpu', 'InternalError');
    const clock = new ManualClock(T0 + 10 * MIN);
    const poller = createMetricsPoller({
      client: cw.client,
      queries: [cpu, { ...cpu, id: 'mem' }],
      pollIntervalMs: MIN,
      delayMs: 0,
      lookbackMs: 2 * MIN,
    });
    const ac = new AbortController();
    const it = poller
      .read({ logger: silentLogger, clock, store: new MemoryStateStore(), signal: ac.signal })
      [Symbol.asyncIterator]();
    const next = it.next(); // the first poll fails for cpu: nothing comes until the second
    await waitTimers(clock);
    clock.advance(MIN);
    const got = signalsOf([(await next).value].flat() as Delivery[]);
    ac.abort();
    await it.return?.();
    // The failed window and the next minute come together, each point once.
    expect(got.map((s) => `${s.attributes?.queryId}@${(s.timestamp - T0) / MIN}`).sort()).toEqual([
      'cpu@10',
      'cpu@8',
      'cpu@9',
      'mem@10',
      'mem@8',
      'mem@9',
    ]);
    expect(poller.stats().failedWindows).toBe(1);
  });

  it('continues after a restart from the watermark the host acked, and refetches what was nacked', async () => {
    const cw = await server();
    const store = new MemoryStateStore();
    const clock = new ManualClock(T0 + 10 * MIN);
    const opts = { client: cw.client, queries: [cpu], pollIntervalMs: MIN, delayMs: 0, lookbackMs: 2 * MIN };
    const one = driver(createMetricsPoller(opts), clock, store);
    expect(signalsOf(await one.poll()).map((s) => (s.timestamp - T0) / MIN)).toEqual([8, 9]);
    expect(signalsOf(await one.poll(false)).map((s) => (s.timestamp - T0) / MIN)).toEqual([10]); // nacked
    await one.close();
    expect((await store.get('metrics-poller/cloudwatch-metrics'))?.value).toEqual({ 60: T0 + 10 * MIN });
    clock.advance(2 * MIN);
    const two = driver(createMetricsPoller(opts), clock, store);
    expect(signalsOf(await two.poll()).map((s) => (s.timestamp - T0) / MIN)).toEqual([10, 11, 12]);
    await two.close();
  });

  it('refuses bad query ids and duplicate ids, naming the field', () => {
    expect(() => createMetricsPoller({ clientConfig: {}, queries: [{ ...cpu, id: 'CPU' }] })).toThrow(/queries\.0/);
    expect(() => createMetricsPoller({ clientConfig: {}, queries: [cpu, cpu] })).toThrow(/query ids must be unique/);
  });
});

let contractServer: CloudWatchServer | undefined;
runSourceContract(
  'createMetricsPoller',
  async () => {
    contractServer ??= await startCloudWatchServer(everyMinute);
    return createMetricsPoller({
      client: contractServer.client,
      queries: [cpu],
      delayMs: 0,
      lookbackMs: 5 * MIN,
      pollIntervalMs: 60_000,
    });
  },
  { expectedCount: 1 },
);
