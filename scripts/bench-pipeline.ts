/**
 * `pnpm bench:pipeline`: signals per second through the pipeline's fast path (source → validation →
 * detectors → incident manager → store commit → ack), against a bare loop that calls the same
 * detectors directly on the same signals, in the same run. Prints one JSON object.
 *
 *   tsx scripts/bench-pipeline.ts [--signals 1000000] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import {
  type Delivery,
  type Detector,
  type DetectorContext,
  defineDetector,
  MemoryStateStore,
  type Signal,
  type Source,
  seriesKeyOf,
  silentLogger,
  systemClock,
} from '@aiops/core';
import { createPipeline } from '@aiops/pipeline';
import { errorRateDetector } from '../packages/pipeline/src/demo/error-rate-detector.js';

const { values } = parseArgs({
  options: { signals: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '5' } },
});
const N = Number(values.signals);
const ROUNDS = Number(values.rounds);
const T0 = Date.parse('2026-11-24T10:00:00Z');

/** A streaming z-score over each metric series (EWMA mean and variance): O(1) state per series. */
function zScoreDetector(): Detector {
  const state = new Map<string, { mean: number; variance: number; n: number; firing: boolean }>();
  return defineDetector({
    name: 'bench-zscore',
    signalTypes: ['metric'],
    observe(s) {
      if (s.type !== 'metric' || s.value === undefined) return;
      const key = seriesKeyOf(s);
      let st = state.get(key);
      if (!st) {
        st = { mean: s.value, variance: 0, n: 0, firing: false };
        state.set(key, st);
      }
      const z = st.n > 30 ? Math.abs(s.value - st.mean) / Math.sqrt(st.variance + 1e-9) : 0;
      const diff = s.value - st.mean;
      st.mean += 0.05 * diff;
      st.variance = 0.95 * (st.variance + 0.05 * diff * diff);
      st.n++;
      const firing = z > 6;
      if (firing === st.firing) return;
      st.firing = firing;
      // biome-ignore format: one finding per line
      return { detector: 'bench-zscore', seriesKey: key, kind: 'z-score', status: firing ? 'firing' : 'resolved', score: Math.min(1, z / 12), startedAt: s.timestamp, at: s.timestamp, labels: {}, evidence: [] };
    },
  });
}

/**
 * Two thirds logs of 200 services, one third CPU metrics of 200 hosts. In the `typical` mix one
 * service in twenty has one error burst and one host in twenty has CPU spikes; in the `stormy` mix
 * every service and host does, many times over (about one finding per 150 signals).
 */
function makeSignals(n: number, mix: 'typical' | 'stormy'): Signal[] {
  const out: Signal[] = new Array(n);
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < n; i++) {
    const t = T0 + i;
    if (i % 3 === 2) {
      const host = `i-${(i % 200).toString(16).padStart(8, '0')}`;
      const spiky = mix === 'stormy' || (i % 200) % 20 === 2;
      const spike = spiky && i % 50_000 < 300 ? 500 : 0;
      out[i] = {
        type: 'metric',
        timestamp: t,
        namespace: 'AWS/EC2',
        name: 'CPUUtilization',
        dimensions: { InstanceId: host },
        value: 40 + rnd() * 10 + spike,
      };
    } else {
      const service = `svc-${i % 200}`;
      const bursty = mix === 'stormy' || (i % 200) % 20 === 0;
      const burst = bursty && (mix === 'stormy' ? i % 200_000 < 20_000 : i > n / 2 && i < n / 2 + 20_000);
      const error = rnd() < (burst ? 0.4 : 0.01);
      out[i] = {
        type: 'log',
        timestamp: t,
        message: error ? 'GET /x 503 12ms' : 'GET /x 200 3ms',
        level: error ? 'error' : 'info',
        service,
      };
    }
  }
  return out;
}

function detectors(): Detector[] {
  return [errorRateDetector({ windowMs: 10_000, minLines: 20 }), zScoreDetector()];
}

function baseline(signals: readonly Signal[]): { ms: number; findings: number } {
  const ds = detectors();
  const ctx: DetectorContext = { clock: systemClock, logger: silentLogger };
  let findings = 0;
  const started = performance.now();
  for (const s of signals) {
    for (const d of ds) {
      if (d.signalTypes && !d.signalTypes.includes(s.type)) continue;
      const out = d.observe(s, ctx);
      if (out) findings += Array.isArray(out) ? out.length : 1;
    }
  }
  return { ms: performance.now() - started, findings };
}

async function throughPipeline(signals: readonly Signal[]): Promise<{ ms: number; findings: number; acked: number }> {
  const perDelivery = 100;
  const perBatch = 10;
  const batches: Delivery[][] = [];
  let acked = 0;
  const ack = () => {
    acked++;
  };
  for (let i = 0, d = 0; i < signals.length; i += perDelivery * perBatch) {
    const batch: Delivery[] = [];
    for (let j = i; j < Math.min(signals.length, i + perDelivery * perBatch); j += perDelivery, d++) {
      // biome-ignore format: one delivery per line
      batch.push({ id: String(d), origin: { source: 'bench', sequenceNumber: String(d) }, payload: { type: 'signals', signals: signals.slice(j, j + perDelivery) }, ack, nack() {} });
    }
    batches.push(batch);
  }
  const source: Source = {
    name: 'bench',
    async *read() {
      yield* batches;
    },
  };
  const pipeline = createPipeline({ sources: [source], detectors: detectors(), store: new MemoryStateStore() });
  const started = performance.now();
  await pipeline.start();
  await pipeline.drained();
  const ms = performance.now() - started;
  await pipeline.stop();
  return { ms, findings: pipeline.stats().findings, acked };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(mix: 'typical' | 'stormy') {
  const signals = makeSignals(N, mix);
  const base: number[] = [];
  const pipe: number[] = [];
  let findings = 0;
  // Warm both paths up, then alternate so that machine noise falls on both alike.
  baseline(signals.slice(0, 100_000));
  await throughPipeline(signals.slice(0, 100_000));
  for (let r = 0; r < ROUNDS; r++) {
    const b = baseline(signals);
    const p = await throughPipeline(signals);
    if (p.acked !== Math.ceil(N / 100)) throw new Error(`expected every delivery acked, got ${p.acked}`);
    if (p.findings !== b.findings) throw new Error(`pipeline saw ${p.findings} findings, the bare loop ${b.findings}`);
    base.push(b.ms);
    pipe.push(p.ms);
    findings = b.findings;
  }
  const baselinePerSec = Math.round(N / (median(base) / 1_000));
  const signalsPerSec = Math.round(N / (median(pipe) / 1_000));
  return { signalsPerSec, baselinePerSec, ratio: Number((signalsPerSec / baselinePerSec).toFixed(3)), findings };
}

const typical = await measure('typical');
const stormy = await measure('stormy');
console.log(
  JSON.stringify({
    ...typical,
    signals: N,
    rounds: ROUNDS,
    detectors: detectors().map((d) => d.name),
    stormy,
  }),
);
