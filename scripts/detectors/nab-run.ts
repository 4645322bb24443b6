/**
 * Runs a metric detector over a NAB corpus as the pipeline would (datapoints through `observe()`,
 * one series per file, named by its index) and returns, per file, the score of each finding the
 * detector opened at a row (a firing finding whose `startedAt` is that row), 0 on other rows.
 */
import { type Detector, type Finding, ManualClock, type MetricSignal, silentLogger } from '@aiops/core';
import type { NabSeries } from './nab-data.js';

export function runOnNab(detector: Detector, corpus: readonly NabSeries[]): Float64Array[] {
  const ctx = { clock: new ManualClock(0), logger: silentLogger };
  return corpus.map((s, k) => {
    const out = new Float64Array(s.values.length);
    const dimensions = { series: String(k) };
    for (let i = 0; i < s.values.length; i++) {
      const signal: MetricSignal = {
        type: 'metric',
        timestamp: s.timestamps[i]!,
        namespace: 'NAB',
        name: 'value',
        dimensions,
        value: s.values[i]!,
      };
      const found = detector.observe(signal, ctx);
      if (found === undefined) continue;
      for (const f of (Array.isArray(found) ? found : [found]) as Finding[]) {
        if (f.status === 'firing' && f.startedAt === f.at) out[i] = f.score;
      }
    }
    return out;
  });
}
