/**
 * `pnpm bench:detectors`: throughput of the detectors on one core, and the memory they keep per
 * series. Prints one JSON object. Inputs are generated (seeded), so the run needs no data folder:
 *
 * - metric detectors: points/s through `score()` (the model and its series bookkeeping) and through
 *   `observe()` (which also builds the series key of each signal), over 1,000 series;
 * - template mining: lines/s of a running miner over a realistic mix of service log lines;
 * - error rate: lines/s through `observe()` of access-log lines with 1% errors;
 * - state per series: heap bytes per series held (measured with 100,000 series, needs --expose-gc)
 *   and JSON bytes of the snapshot per series.
 */
import { type LogSignal, ManualClock, type MetricSignal, silentLogger } from '@aiops/core';
import {
  createAdaptiveDetector,
  createCusumDetector,
  createErrorRateDetector,
  createEwmaDetector,
  createMadDetector,
  createNewPatternDetector,
  createSeasonalDetector,
  createTemplateMiner,
  createWindowAggregator,
} from '@aiops/detectors';

const T0 = Date.parse('2026-11-24T00:00:00Z');
let seed = 12_345;
const rnd = () => {
  seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
  return seed / 4_294_967_296;
};
const gc = (globalThis as { gc?: () => void }).gc;

/** Runs `step` in rounds for about `ms`, returning units per second. */
function rate(ms: number, step: () => number): number {
  for (let i = 0; i < 3; i++) step(); // warm-up
  let units = 0;
  const started = performance.now();
  while (performance.now() - started < ms) units += step();
  return Math.round(units / ((performance.now() - started) / 1_000));
}

const SERIES = 1_000;
const POINTS = 200;
const values = Float64Array.from({ length: SERIES * POINTS }, () => 50 + 10 * rnd());
const keys = Array.from({ length: SERIES }, (_, i) => `metric:App|Latency{Service=svc-${i}}`);
const signals: MetricSignal[] = Array.from({ length: SERIES * 20 }, (_, i) => ({
  type: 'metric',
  timestamp: T0 + Math.floor(i / SERIES) * 60_000,
  namespace: 'App',
  name: 'Latency',
  dimensions: { Service: `svc-${i % SERIES}` },
  value: values[i]!,
}));

const metricFactories = {
  ewma: () => createEwmaDetector(),
  mad: () => createMadDetector(),
  seasonal: () => createSeasonalDetector(),
  cusum: () => createCusumDetector(),
  adaptive: () => createAdaptiveDetector(),
};
const metric: Record<string, { scorePointsPerSec: number; observePointsPerSec: number }> = {};
for (const [name, make] of Object.entries(metricFactories)) {
  const d = make();
  let t = T0;
  const scorePointsPerSec = rate(1_000, () => {
    t += 60_000;
    for (let p = 0; p < POINTS; p++) for (let s = 0; s < SERIES; s++) d.score(keys[s]!, t + p, values[p * SERIES + s]!);
    return POINTS * SERIES;
  });
  const o = make();
  const clock = new ManualClock(T0);
  const ctx = { clock, logger: silentLogger };
  let shift = 0;
  const observePointsPerSec = rate(1_000, () => {
    shift += 20 * 60_000;
    for (const s of signals) o.observe({ ...s, timestamp: s.timestamp + shift }, ctx);
    return signals.length;
  });
  metric[name] = { scorePointsPerSec, observePointsPerSec };
}

// Log lines of a service: a realistic mix of templates with variable parts.
const makers = [
  (n: number) => `GET /api/cart/${n} 200 ${n % 97}ms`,
  (n: number) => `POST /api/orders 201 ${n % 300}ms user=${n} items=${n % 7}`,
  (n: number) => `Cache miss for key user:${n}, loading from database`,
  (n: number) => `Worker ${n % 16} picked job ${n} from queue orders-${n % 3}`,
  (n: number) => `Connection to 10.0.${n % 255}.${(n * 7) % 255}:5432 established after ${n % 4} retries`,
  (n: number) =>
    `Payment ${(n * 2_654_435_761).toString(16).padStart(8, '0')}-1b2e-4c7d-9e8f-0a1b2c3d4e5f authorised for ${n % 500}.99 EUR`,
  (n: number) => `Slow query took ${n % 5_000}ms: SELECT * FROM orders WHERE id = ?`,
  (n: number) => `Retrying request ${n % 5} of 5 in ${n % 2_000}ms`,
];
const messages = Array.from({ length: 20_000 }, () =>
  makers[Math.floor(rnd() * makers.length)]!(Math.floor(rnd() * 1e6)),
);
const miner = createTemplateMiner();
const templateLinesPerSec = rate(1_500, () => {
  for (const m of messages) miner.add(m);
  return messages.length;
});

const access: LogSignal[] = Array.from({ length: 20_000 }, (_, i) => ({
  type: 'log',
  timestamp: T0 + i * 2,
  message: `GET /api/cart/${i % 1_000} ${rnd() < 0.01 ? 503 : 200} ${i % 90}ms`,
  service: `svc-${i % 20}`,
  logGroup: `/ecs/svc-${i % 20}`,
}));
const errorRate = createErrorRateDetector();
const erClock = new ManualClock(T0);
let erShift = 0;
const errorRateLinesPerSec = rate(1_500, () => {
  erShift += 40_000;
  erClock.set(T0 + erShift + 40_000);
  const ctx = { clock: erClock, logger: silentLogger };
  for (const s of access) errorRate.observe({ ...s, timestamp: s.timestamp + erShift }, ctx);
  return access.length;
});

/** Heap and snapshot bytes per series with `n` series held by `fill`. */
function perSeries(n: number, fill: (i: number) => { snapshot?: () => unknown }): { heap?: number; json: number } {
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const holder = fill(n);
  gc?.();
  const heap = process.memoryUsage().heapUsed - before;
  const json = JSON.stringify(holder.snapshot?.() ?? null).length;
  return { ...(gc ? { heap: Math.round(heap / n) } : {}), json: Math.round(json / n) };
}
const N = 100_000;
const clock = new ManualClock(T0 + 120_000);
const ctx = { clock, logger: silentLogger };
const metricState = (make: () => ReturnType<typeof createEwmaDetector>) => (n: number) => {
  const d = make();
  for (let p = 0; p < 30; p++) for (let i = 0; i < n; i++) d.score(`s${i}`, T0 + p * 60_000, 50 + rnd());
  return d;
};
const bytesPerSeries = {
  ewma: perSeries(
    N,
    metricState(() => createEwmaDetector()),
  ),
  seasonal: perSeries(
    N,
    metricState(() => createSeasonalDetector() as unknown as ReturnType<typeof createEwmaDetector>),
  ),
  adaptive: perSeries(
    N,
    metricState(() => createAdaptiveDetector() as unknown as ReturnType<typeof createEwmaDetector>),
  ),
  errorRate: perSeries(N, (n) => {
    const d = createErrorRateDetector({ maxSeries: N });
    for (let i = 0; i < n; i++)
      d.observe({ type: 'log', timestamp: T0 + 60_000, message: 'GET /a 200 3ms', service: `s${i}` }, ctx);
    return d;
  }),
  newPattern: perSeries(N, (n) => {
    const d = createNewPatternDetector({ maxSeries: N });
    for (let i = 0; i < n; i++)
      d.observe({ type: 'log', timestamp: T0 + 60_000, message: `GET /a 200 ${i}ms`, service: `s${i}` }, ctx);
    return d;
  }),
  windowAggregator: perSeries(N, (n) => {
    const a = createWindowAggregator({ sizeMs: 60_000 });
    for (let i = 0; i < n; i++) a.add(`s${i}`, T0, 1);
    return a;
  }),
};

console.log(
  JSON.stringify({
    metric,
    templateMining: { linesPerSec: templateLinesPerSec, templates: miner.stats().templates },
    errorRate: { linesPerSec: errorRateLinesPerSec },
    bytesPerSeries,
    heapMeasured: gc !== undefined,
  }),
);
