import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { createMetricDetector } from './metric-detector.js';
import { type MetricDetector, MetricDetectorOptionsSchema } from './metric-detector-options.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';

/**
 * How an ensemble combines its members' scores: the highest, the mean, or one minus the product of
 * their complements (`any`: several half-sure members make a sure ensemble).
 *
 * @example
 * ```ts
 * import { EnsembleCombineSchema } from '@aiops/detectors';
 * EnsembleCombineSchema.parse('max');
 * ```
 */
export const EnsembleCombineSchema = z.enum(['max', 'mean', 'any']);
/**
 * See {@link EnsembleCombineSchema}.
 *
 * @example
 * ```ts
 * import type { EnsembleCombine } from '@aiops/detectors';
 * const combine: EnsembleCombine = 'any';
 * ```
 */
export type EnsembleCombine = z.infer<typeof EnsembleCombineSchema>;

/**
 * Per-series state of {@link ensembleModel}: each member's state, in order, and the leading member.
 *
 * @example
 * ```ts
 * import { ensembleModel, ewmaModel, type EnsembleState } from '@aiops/detectors';
 * const state: EnsembleState = ensembleModel([ewmaModel()]).init();
 * ```
 */
export interface EnsembleState {
  s: unknown[];
  /** Index of the member with the highest score at the last point. */
  lead: number;
}

/**
 * Combines several models into one score per point. The finding's `kind` is the ensemble's; the
 * member that scored highest gives `expected`.
 *
 * @example
 * ```ts
 * import { cusumModel, ensembleModel, rateOfChangeModel } from '@aiops/detectors';
 * const model = ensembleModel([cusumModel(), rateOfChangeModel()], { combine: 'max' });
 * ```
 */
export function ensembleModel(
  members: readonly ScoreModel<unknown>[],
  options: { kind?: string; combine?: EnsembleCombine } = {},
): ScoreModel<EnsembleState> {
  if (members.length === 0) throw new RangeError('ensembleModel needs at least one member');
  const combine = EnsembleCombineSchema.parse(options.combine ?? 'max');
  return defineScoreModel<EnsembleState>({
    kind: options.kind ?? 'anomaly',
    init: () => ({ s: members.map((m) => m.init()), lead: 0 }),
    update(st, t, x) {
      let max = 0;
      let sum = 0;
      let none = 1;
      for (let i = 0; i < members.length; i++) {
        const v = members[i]!.update(st.s[i], t, x);
        if (v > max || i === 0) {
          max = v;
          st.lead = i;
        }
        sum += v;
        none *= 1 - v;
      }
      return combine === 'max' ? max : combine === 'mean' ? sum / members.length : 1 - none;
    },
    expected: (st) => members[st.lead]?.expected?.(st.s[st.lead]),
  });
}

/**
 * Options of {@link createEnsembleDetector}.
 *
 * @example
 * ```ts
 * import { EnsembleDetectorOptionsSchema } from '@aiops/detectors';
 * EnsembleDetectorOptionsSchema.parse({}).combine; // 'max'
 * ```
 */
export const EnsembleDetectorOptionsSchema = MetricDetectorOptionsSchema.extend({
  name: z.string().min(1).default('ensemble'),
  combine: EnsembleCombineSchema.default('max'),
  /** The `kind` of the findings. */
  kind: z.string().min(1).default('anomaly'),
});
/**
 * See {@link EnsembleDetectorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { EnsembleDetectorOptions } from '@aiops/detectors';
 * const options: EnsembleDetectorOptions = { name: 'traffic', combine: 'mean', kind: 'traffic-anomaly' };
 * ```
 */
export type EnsembleDetectorOptions = z.input<typeof EnsembleDetectorOptionsSchema>;

/**
 * A detector over an ensemble of models, e.g. a seasonal baseline and a CUSUM: one finding per
 * series whichever member noticed first.
 *
 * @example
 * ```ts
 * import { createEnsembleDetector, cusumModel, seasonalModel } from '@aiops/detectors';
 * const traffic = createEnsembleDetector([seasonalModel(), cusumModel()], { name: 'traffic', combine: 'max' });
 * ```
 */
export function createEnsembleDetector(
  members: readonly ScoreModel<unknown>[],
  options: EnsembleDetectorOptions = {},
): MetricDetector<EnsembleState> {
  const o = parseOptions(EnsembleDetectorOptionsSchema, options, 'createEnsembleDetector');
  const { combine, kind, ...base } = o;
  return createMetricDetector(ensembleModel(members, { combine, kind }), base);
}
