import {
  type Detector,
  type DetectorContext,
  defineDetector,
  type Finding,
  type Signal,
  seriesKeyOf,
} from '@aiops/core';
import {
  checkDetector,
  type DetectorContractOptions,
  detectorChecks,
  FIXTURE_NOW,
  makeLogSignal,
  makeMetricSignal,
  runDetectorContract,
} from '@aiops/testing';
import { describe, expect, it } from 'vitest';

interface Series {
  windowStart: number;
  total: number;
  errors: number;
  firingSince: number | null;
  lastAt: number;
  service: string;
}

/**
 * A small but real detector: the error ratio of each log series over tumbling 10 s windows fires
 * above 20% (with at least 5 lines) and resolves when it drops back.
 */
function createErrorRate(
  name = 'error-rate',
  { cloneSnapshot = true } = {},
): Detector<{ series: Record<string, Series> }> {
  const windowMs = 10_000;
  let series: Record<string, Series> = {};
  const close = (key: string, s: Series): Finding | undefined => {
    const ratio = s.total === 0 ? 0 : s.errors / s.total;
    const base = { detector: name, seriesKey: key, kind: 'error-rate-spike', labels: { service: s.service } };
    if (ratio >= 0.2 && s.total >= 5) {
      s.firingSince ??= s.windowStart;
      return {
        ...base,
        status: 'firing',
        score: ratio,
        startedAt: s.firingSince,
        at: Math.max(s.lastAt, s.firingSince),
        evidence: [],
      };
    }
    if (s.firingSince === null) return undefined;
    const startedAt = s.firingSince;
    s.firingSince = null;
    return { ...base, status: 'resolved', score: ratio, startedAt, at: Math.max(s.lastAt, startedAt), evidence: [] };
  };
  return defineDetector({
    name,
    signalTypes: ['log'],
    observe(signal) {
      if (signal.type !== 'log') return undefined;
      const key = seriesKeyOf(signal);
      const windowStart = Math.floor(signal.timestamp / windowMs) * windowMs;
      const s: Series = series[key] ?? {
        windowStart,
        total: 0,
        errors: 0,
        firingSince: null,
        lastAt: signal.timestamp,
        service: signal.service ?? 'unknown',
      };
      series[key] = s;
      let out: Finding | undefined;
      if (windowStart > s.windowStart) {
        out = close(key, s);
        Object.assign(s, { windowStart, total: 0, errors: 0 });
      }
      if (windowStart < s.windowStart) return out; // too late for its window
      s.total++;
      if (signal.level === 'error' || signal.level === 'fatal') s.errors++;
      s.lastAt = Math.max(s.lastAt, signal.timestamp);
      return out;
    },
    flush(ctx) {
      const out: Finding[] = [];
      for (const [key, s] of Object.entries(series)) {
        if (s.windowStart + 2 * windowMs > ctx.clock.now()) continue;
        const f = close(key, s);
        if (f) out.push(f);
        Object.assign(s, { windowStart: Math.floor(ctx.clock.now() / windowMs) * windowMs, total: 0, errors: 0 });
      }
      return out;
    },
    snapshot: () => ({ series: cloneSnapshot ? structuredClone(series) : series }),
    restore: (state) => {
      series = structuredClone(state.series);
    },
  });
}

/** A minute of checkout logs: healthy, then half errors, then healthy; metrics mixed in. */
const signals: Signal[] = Array.from({ length: 300 }, (_, i) => {
  const timestamp = FIXTURE_NOW + i * 200;
  if (i % 25 === 0) return makeMetricSignal({ timestamp });
  const failing = i >= 100 && i < 200 && i % 2 === 0;
  return makeLogSignal({
    timestamp,
    level: failing ? 'error' : 'info',
    message: failing ? 'GET /cart 503 12ms' : 'GET /cart 200 3ms',
  });
});

const options: DetectorContractOptions = { signals, expectFindings: true };

runDetectorContract('error-rate (written in this test)', () => createErrorRate(), options);

runDetectorContract(
  'a stateless detector without flush or snapshot',
  () => defineDetector({ name: 'quiet', observe: () => undefined }),
  {
    signals,
  },
);

describe('checkDetector', () => {
  it('finds nothing wrong with a detector that keeps the contract', async () => {
    expect(await checkDetector(() => createErrorRate(), options)).toEqual([]);
    expect(detectorChecks.length).toBeGreaterThanOrEqual(8);
  });

  it('catches an empty name and unknown signal types', async () => {
    const v = await checkDetector(
      () => ({ ...createErrorRate(), name: '', signalTypes: ['log', 'trace' as 'log'] }),
      options,
    );
    expect(v).toContain('has a non-empty name and known signalTypes: name is ""');
    expect(v).toContain('has a non-empty name and known signalTypes: signalTypes has unknown type "trace"');
  });

  it('catches samples that are invalid or none of the declared types', async () => {
    const v = await checkDetector(() => createErrorRate(), {
      signals: [makeMetricSignal(), { type: 'log', timestamp: -1, message: 'x' } as Signal],
    });
    expect(v).toEqual([
      'is given valid sample signals of its types: options.signals[1] is not a valid Signal: timestamp: Too small: expected number to be >=0',
      "is given valid sample signals of its types: none of options.signals is of the detector's signalTypes (log)",
    ]);
  });

  it('catches an observe that returns a Promise', async () => {
    const inner = createErrorRate();
    const v = await checkDetector(
      () => ({
        ...inner,
        observe: ((s: Signal, c: DetectorContext) =>
          Promise.resolve(inner.observe(s, c))) as unknown as Detector['observe'],
      }),
      options,
    );
    expect(v.some((x) => x.includes('returned a Promise: detectors must be synchronous'))).toBe(true);
  });

  it('catches findings that are invalid or carry another detector’s name', async () => {
    const v = await checkDetector(
      () =>
        defineDetector({
          name: 'sloppy',
          observe: (s) => ({
            detector: 'someone-else',
            seriesKey: seriesKeyOf(s),
            kind: 'spike',
            status: 'firing',
            score: 1.5,
            startedAt: s.timestamp,
            at: s.timestamp,
            labels: {},
            evidence: [],
          }),
        }),
      { signals: signals.slice(0, 3) },
    );
    expect(v.some((x) => /is not a valid Finding: score: .*1/.test(x))).toBe(true);
    const named = await checkDetector(
      () => defineDetector({ name: 'sloppy', observe: (s) => ({ ...makeFinding(s), detector: 'someone-else' }) }),
      { signals: signals.slice(0, 3) },
    );
    expect(named.some((x) => x.includes('has detector "someone-else", expected "sloppy"'))).toBe(true);
  });

  it('catches a detector whose instances disagree', async () => {
    let instances = 0;
    const v = await checkDetector(() => {
      const id = ++instances;
      return defineDetector({ name: 'moody', observe: (s) => (id % 2 === 0 ? makeFinding(s, 'moody') : undefined) });
    }, options);
    expect(
      v.some((x) => x.startsWith('gives the same findings for the same input: two fresh instances disagree')),
    ).toBe(true);
  });

  it('catches a detector that throws on an empty message', async () => {
    const inner = createErrorRate();
    const v = await checkDetector(
      () => ({
        ...inner,
        observe: (s, c) => {
          if (s.type === 'log' && s.message.charAt(0).length === 0) throw new TypeError('cannot read the first word');
          return inner.observe(s, c);
        },
      }),
      options,
    );
    expect(v).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^does not throw on odd but valid signals: observe threw on odd signal .*cannot read/),
      ]),
    );
  });

  it('catches a detector whose score turns NaN on an odd statistic set', async () => {
    const v = await checkDetector(
      () =>
        defineDetector({
          name: 'mean',
          signalTypes: ['metric'],
          observe: (s) => {
            if (s.type !== 'metric') return undefined;
            const mean = s.value ?? (s.stats ? s.stats.sum / (s.stats.max - s.stats.min) : 0);
            return mean > 1e6 || Number.isNaN(mean) ? { ...makeFinding(s, 'mean'), score: mean / mean } : undefined;
          },
        }),
      { signals: [makeMetricSignal()] },
    );
    expect(v.some((x) => x.startsWith('does not throw on odd but valid signals') && x.includes('score'))).toBe(true);
  });

  it('catches a snapshot that is not plain JSON or shares live state', async () => {
    let counts = new Map<string, number>();
    const v = await checkDetector(
      () =>
        defineDetector<{ counts: Map<string, number> }>({
          name: 'mapper',
          observe: (s) => void counts.set(seriesKeyOf(s), (counts.get(seriesKeyOf(s)) ?? 0) + 1),
          snapshot: () => ({ counts }),
          restore: (state) => {
            counts = new Map(state.counts);
          },
        }),
      options,
    );
    expect(
      v.some((x) => x.includes('snapshot after 0 samples: $.counts is a Map, which JSON does not carry as is')),
    ).toBe(true);
    const live = await checkDetector(() => createErrorRate('error-rate', { cloneSnapshot: false }), options);
    expect(live.some((x) => /the snapshot taken after \d+ samples changed as the detector went on/.test(x))).toBe(true);
  });

  it('catches a restore that forgets part of the state, through the resumed run', async () => {
    const v = await checkDetector(() => {
      const d = createErrorRate();
      return {
        ...d,
        restore: (state: { series: Record<string, Series> }) =>
          d.restore?.({
            series: Object.fromEntries(Object.entries(state.series).map(([k, s]) => [k, { ...s, firingSince: null }])),
          }),
      };
    }, options);
    expect(
      v.some((x) => /^resumes from a snapshot with exactly the same findings: split after \d+ of \d+ samples/.test(x)),
    ).toBe(true);
    expect(v.some((x) => x.includes('restore(snapshot) then snapshot() differs'))).toBe(true);
  });

  it('catches snapshot without restore, and a detector that never finds anything when it should', async () => {
    const v = await checkDetector(() => ({ name: 'half', observe: () => undefined, snapshot: () => ({}) }), options);
    expect(v).toContain(
      'snapshot is plain JSON and restores to the same state: has one of snapshot / restore without the other',
    );
    expect(v).toContain('reports a finding over the samples: no finding over 300 samples and the final flush');
  });
});

function makeFinding(s: Signal, detector = 'sloppy'): Finding {
  return {
    detector,
    seriesKey: seriesKeyOf(s),
    kind: 'spike',
    status: 'firing',
    score: 1,
    startedAt: s.timestamp,
    at: s.timestamp,
    labels: {},
    evidence: [],
  };
}
