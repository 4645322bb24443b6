import { type Detector, describeError, type Finding, type Signal, SignalSchema } from '@aiops/core';
import { type ContractCheck, jsonProblems, registerChecks, runChecks } from './contract-kit.js';
import { DetectorHarness, oddSignals, sampleProblems, samplesFor } from './detector-harness.js';

/**
 * Makes a fresh detector for each check.
 *
 * @example
 * ```ts
 * import { defineDetector } from '@aiops/core';
 * import type { DetectorFactory } from '@aiops/testing';
 * const factory: DetectorFactory = () => defineDetector({ name: 'quiet', observe: () => undefined });
 * ```
 */
export type DetectorFactory = () => Detector<unknown>;

/**
 * Options of {@link runDetectorContract} and {@link checkDetector}.
 *
 * @example
 * ```ts
 * import { defineDetector } from '@aiops/core';
 * import { checkDetector, type DetectorContractOptions, makeLogSignal } from '@aiops/testing';
 * const options: DetectorContractOptions = {
 *   signals: [makeLogSignal(), makeLogSignal({ level: 'error', message: 'GET /cart 503 12ms' })],
 *   expectFindings: false,
 *   flushAfterMs: 60_000,
 * };
 * const violations = await checkDetector(() => defineDetector({ name: 'quiet', observe: () => undefined }), options);
 * ```
 */
export interface DetectorContractOptions {
  /**
   * A realistic sequence of signals for this detector, in event-time order: a normal stretch, then the
   * abnormality it should report when `expectFindings` is set. Signals of other types are fine: they
   * are filtered out as the host would.
   */
  readonly signals: readonly Signal[];
  /** Require at least one finding over the samples (flush included). */
  readonly expectFindings?: boolean;
  /** How far the clock moves past the last sample before the final `flush`. Defaults to 5 minutes. */
  readonly flushAfterMs?: number;
}

interface Run {
  readonly steps: Finding[][];
  readonly flushed: Finding[];
}

/** Observes `signals` from index `from` on `detector`, then flushes. */
function play(h: DetectorHarness, detector: Detector, signals: readonly Signal[], o: DetectorContractOptions): Run {
  const steps = h.observeAll(detector, signals, 'sample');
  return { steps, flushed: h.flush(detector, o.flushAfterMs ?? 300_000, 'after the samples') };
}

const startOf = (signals: readonly Signal[]): number => signals[0]?.timestamp ?? 0;
const json = (value: unknown): string => JSON.stringify(value);

/** Finds the first place two runs differ, for a readable violation. */
function firstDifference(a: Run, b: Run): string | undefined {
  for (let i = 0; i < Math.max(a.steps.length, b.steps.length); i++) {
    if (json(a.steps[i]) !== json(b.steps[i])) return `sample #${i}: ${json(a.steps[i])} vs ${json(b.steps[i])}`;
  }
  if (json(a.flushed) !== json(b.flushed)) return `final flush: ${json(a.flushed)} vs ${json(b.flushed)}`;
  return undefined;
}

/** Where a restored run should be split: the start, the end, and points in between. */
function splitPoints(n: number): number[] {
  const points = [0, 1, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4), n - 1, n];
  return [...new Set(points.filter((k) => k >= 0 && k <= n))].sort((x, y) => x - y);
}

/**
 * The properties {@link runDetectorContract} checks, one test each, in order. Each returns its
 * violations; use {@link checkDetector} to run them all outside vitest's `it`.
 *
 * @example
 * ```ts
 * import { detectorChecks } from '@aiops/testing';
 * detectorChecks.map((c) => c.title); // ['has a non-empty name and known signalTypes', ...]
 * ```
 */
export const detectorChecks: readonly ContractCheck<DetectorFactory, DetectorContractOptions>[] = [
  {
    title: 'has a non-empty name and known signalTypes',
    async run(factory) {
      const d = factory();
      const out: string[] = [];
      if (typeof d.name !== 'string' || d.name.trim() === '') out.push(`name is ${json(d.name)}`);
      const known = ['log', 'metric', 'alarm', 'event'];
      if (d.signalTypes !== undefined) {
        if (!Array.isArray(d.signalTypes) || d.signalTypes.length === 0) out.push('signalTypes is present but empty');
        else for (const t of d.signalTypes) if (!known.includes(t)) out.push(`signalTypes has unknown type ${json(t)}`);
      }
      return out;
    },
  },
  {
    title: 'is given valid sample signals of its types',
    async run(factory, o) {
      return sampleProblems(factory(), o.signals);
    },
  },
  {
    title: 'observe is synchronous and returns valid findings of its own',
    async run(factory, o) {
      const d = factory();
      const h = new DetectorHarness(startOf(o.signals));
      play(h, d, samplesFor(d, o.signals), o);
      return h.violations;
    },
  },
  {
    title: 'gives the same findings for the same input',
    async run(factory, o) {
      const [a, b] = [factory(), factory()];
      const ha = new DetectorHarness(startOf(o.signals));
      const hb = new DetectorHarness(startOf(o.signals));
      const diff = firstDifference(play(ha, a, samplesFor(a, o.signals), o), play(hb, b, samplesFor(b, o.signals), o));
      return diff ? [`two fresh instances disagree at ${diff}`] : [];
    },
  },
  {
    title: 'does not throw on odd but valid signals',
    async run(factory, o) {
      const fresh = factory();
      const samples = samplesFor(fresh, o.signals);
      const odd = oddSignals(fresh, samples);
      const h = new DetectorHarness(startOf(samples));
      h.observeAll(fresh, odd, 'odd signal (fresh instance)');
      const warmed = factory();
      h.observeAll(warmed, samples, 'sample');
      h.observeAll(warmed, odd, 'odd signal (after the samples)');
      h.flush(warmed, 60_000, 'after odd signals');
      const reversed = factory();
      h.observeAll(reversed, [...samples].reverse(), 'sample in reverse order');
      h.observeAll(reversed, [...samples.slice(0, 3), ...samples.slice(0, 3)], 'repeated sample');
      return h.violations;
    },
  },
  {
    title: 'flush returns valid findings',
    async run(factory, o) {
      const d = factory();
      if (!d.flush) return null;
      const h = new DetectorHarness(startOf(o.signals));
      h.flush(d, 0, 'on a fresh instance');
      play(h, d, samplesFor(d, o.signals), o);
      h.flush(d, 0, 'twice in a row');
      return h.violations;
    },
  },
  {
    title: 'snapshot is plain JSON and restores to the same state',
    async run(factory, o) {
      const d = factory();
      if (!d.snapshot && !d.restore) return null;
      if (!d.snapshot || !d.restore) return ['has one of snapshot / restore without the other'];
      const samples = samplesFor(d, o.signals);
      const h = new DetectorHarness(startOf(samples));
      const out: string[] = [];
      let done = 0;
      for (const k of splitPoints(samples.length)) {
        h.observeAll(d, samples.slice(done, k), 'sample');
        done = k;
        const snap = d.snapshot();
        out.push(...jsonProblems(snap).map((p) => `snapshot after ${k} samples: ${p}`));
        let text: string | undefined;
        try {
          text = json(snap);
        } catch (err) {
          out.push(`JSON.stringify of the snapshot after ${k} samples threw: ${describeError(err)}`);
        }
        if (text === undefined) {
          out.push(`snapshot after ${k} samples is not JSON (${typeof snap})`);
          break;
        }
        const copy = factory();
        try {
          copy.restore?.(JSON.parse(text));
          if (json(copy.snapshot?.()) !== text)
            out.push(`restore(snapshot) then snapshot() differs after ${k} samples`);
        } catch (err) {
          out.push(`restoring the JSON of the snapshot after ${k} samples threw: ${describeError(err)}`);
        }
        h.observeAll(d, samples.slice(k, k + 1), 'sample');
        if (json(snap) !== text) out.push(`the snapshot taken after ${k} samples changed as the detector went on`);
        done = Math.max(done, Math.min(k + 1, samples.length));
        if (out.length > 0) break; // the first split that shows a problem is enough to read
      }
      return [...new Set([...h.violations, ...out])];
    },
  },
  {
    title: 'resumes from a snapshot with exactly the same findings',
    async run(factory, o) {
      const probe = factory();
      if (!probe.snapshot || !probe.restore) return null;
      const samples = samplesFor(probe, o.signals);
      const whole = play(new DetectorHarness(startOf(samples)), factory(), samples, o);
      const out: string[] = [];
      for (const k of splitPoints(samples.length)) {
        const h = new DetectorHarness(startOf(samples));
        const first = factory();
        const before = h.observeAll(first, samples.slice(0, k), 'sample');
        const second = factory();
        try {
          second.restore?.(JSON.parse(json(first.snapshot?.()) ?? 'null'));
        } catch (err) {
          out.push(`split after ${k} of ${samples.length} samples: restore threw ${describeError(err)}`);
          continue;
        }
        const after = play(h, second, samples.slice(k), o);
        const diff = firstDifference(whole, { steps: [...before, ...after.steps], flushed: after.flushed });
        if (diff) out.push(`split after ${k} of ${samples.length} samples: uninterrupted vs resumed differ at ${diff}`);
      }
      return out;
    },
  },
  {
    title: 'reports a finding over the samples',
    async run(factory, o) {
      if (!o.expectFindings) return null;
      const d = factory();
      const run = play(new DetectorHarness(startOf(o.signals)), d, samplesFor(d, o.signals), o);
      const total = run.steps.flat().length + run.flushed.length;
      return total > 0 ? [] : [`no finding over ${run.steps.length} samples and the final flush`];
    },
  },
];

/**
 * Runs every detector check and returns the violations, each prefixed with its check's title;
 * empty when the detector keeps the contract. For tests of the suite itself, or your own reporting.
 *
 * @example
 * ```ts
 * import { defineDetector } from '@aiops/core';
 * import { checkDetector, makeLogSignal } from '@aiops/testing';
 * const broken = defineDetector({ name: '', observe: () => undefined });
 * const violations = await checkDetector(() => broken, { signals: [makeLogSignal()] });
 * // ['has a non-empty name and known signalTypes: name is ""']
 * ```
 */
export function checkDetector(factory: DetectorFactory, options: DetectorContractOptions): Promise<string[]> {
  return runChecks(detectorChecks, factory, options);
}

/**
 * Registers the detector contract as a vitest `describe` block, one test per property: a non-empty
 * name; synchronous `observe` fed only its declared signal types; valid findings carrying its name
 * with a score in [0, 1]; determinism; no throw on odd but valid signals; valid `flush` output; a
 * snapshot that is plain JSON and, restored into a fresh instance at several points, gives exactly
 * the findings of an uninterrupted run; and, with `expectFindings`, at least one finding. Checks
 * that do not apply (no `flush`, no `snapshot`) are reported as skipped.
 *
 * @example
 * ```ts
 * // test/level-shift.contract.test.ts
 * import { defineDetector, seriesKeyOf } from '@aiops/core';
 * import { makeMetricSignal, runDetectorContract } from '@aiops/testing';
 *
 * const createHighCpu = () =>
 *   defineDetector({
 *     name: 'high-cpu',
 *     signalTypes: ['metric'],
 *     observe(signal) {
 *       if (signal.type !== 'metric' || (signal.value ?? 0) < 90) return undefined;
 *       return {
 *         detector: 'high-cpu', seriesKey: seriesKeyOf(signal), kind: 'threshold', status: 'firing',
 *         score: 1, startedAt: signal.timestamp, at: signal.timestamp, labels: {}, evidence: [],
 *       };
 *     },
 *   });
 * const signals = Array.from({ length: 120 }, (_, i) =>
 *   makeMetricSignal({ timestamp: 1_700_000_000_000 + i * 60_000, value: i > 100 ? 97 : 35 }),
 * );
 * runDetectorContract('high-cpu', createHighCpu, { signals, expectFindings: true });
 * ```
 */
export function runDetectorContract(name: string, factory: DetectorFactory, options: DetectorContractOptions): void {
  for (const [i, s] of options.signals.entries()) {
    // Fail at collection with a clear message rather than in every test.
    if (!SignalSchema.safeParse(s).success)
      throw new TypeError(`runDetectorContract: signals[${i}] is not a valid Signal`);
  }
  registerChecks(`detector contract: ${name}`, detectorChecks, factory, options);
}
