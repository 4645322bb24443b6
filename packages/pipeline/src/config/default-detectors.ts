import type { Detector } from '@aiops/core';
import {
  createAdaptiveDetector,
  createAlarmPassThrough,
  createErrorRateDetector,
  createNewPatternDetector,
  createTemplateSpikeDetector,
} from '@aiops/detectors';

/**
 * The detectors a pipeline gets when its config says `detectors: { default: true }` or has no
 * `detectors` section: error-rate spikes, spikes of one log template, new log patterns, CloudWatch
 * alarms passed through, and the adaptive metric detector (the benchmarked default). Each has its
 * factory's defaults and its default name, so state saved under those names is found again.
 *
 * @example
 * ```ts
 * import { createPipeline, defaultDetectors } from '@aiops/pipeline';
 * const detectors = defaultDetectors();
 * detectors.map((d) => d.name); // ['error-rate', 'template-spike', 'new-pattern', 'alarm', 'adaptive']
 * const pipeline = createPipeline({ sources: [], detectors });
 * ```
 */
export function defaultDetectors(): Detector[] {
  return [
    createErrorRateDetector(),
    createTemplateSpikeDetector(),
    createNewPatternDetector(),
    createAlarmPassThrough(),
    createAdaptiveDetector(),
  ] as Detector[];
}
