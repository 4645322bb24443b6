export type { AlarmPassThroughOptions, AlarmPassThroughState } from './alarm/alarm-pass-through.js';
export { AlarmPassThroughOptionsSchema, createAlarmPassThrough } from './alarm/alarm-pass-through.js';
export { groupingAccuracy } from './evaluation/grouping-accuracy.js';
export type { NabFile, NabProfile, NabProfileName, NabProfileResult } from './evaluation/nab-scorer.js';
export { NAB_PROFILES, nabProbation, nabScaledSigmoid, scoreNab } from './evaluation/nab-scorer.js';
export type { ClassifyOptions, LineClass } from './logs/classify.js';
export { classifyLogLine } from './logs/classify.js';
export { createErrorRateDetector } from './logs/error-rate.js';
export type { ErrorRateDetector, ErrorRateOptions, ErrorRateState, ErrorRateStats } from './logs/error-rate-options.js';
export { ErrorRateOptionsSchema, errorEvidence } from './logs/error-rate-options.js';
export { logLabels, logSeriesName } from './logs/log-series.js';
export type { Placeholder } from './logs/mask.js';
export { isPlaceholder, maskMessage, maskToken, PLACEHOLDERS } from './logs/mask.js';
export type { NewPatternDetector, NewPatternOptions, NewPatternState } from './logs/new-pattern.js';
export { createNewPatternDetector, NewPatternOptionsSchema } from './logs/new-pattern.js';
export { createTemplateMiner } from './logs/template-miner.js';
export type {
  LogTemplate,
  MineResult,
  TemplateMiner,
  TemplateMinerOptions,
  TemplateMinerState,
} from './logs/template-miner-types.js';
export { TemplateMinerOptionsSchema } from './logs/template-miner-types.js';
export type { TemplateSpikeOptions, TemplateSpikeState } from './logs/template-spike.js';
export { createTemplateSpikeDetector, TemplateSpikeOptionsSchema } from './logs/template-spike.js';
export type {
  AdaptiveDetectorOptions,
  AdaptiveModelOptions,
  AdaptiveProfile,
  AdaptiveState,
  MeanShiftState,
  PatternNoveltyState,
  RangeNoveltyState,
} from './metric/adaptive.js';
export {
  AdaptiveDetectorOptionsSchema,
  AdaptiveModelOptionsSchema,
  adaptiveModel,
  createAdaptiveDetector,
  meanShiftModel,
  patternNoveltyModel,
  rangeNoveltyModel,
} from './metric/adaptive.js';
export type { CusumDetectorOptions, CusumModelOptions, CusumState } from './metric/cusum.js';
export {
  CusumDetectorOptionsSchema,
  CusumModelOptionsSchema,
  createCusumDetector,
  cusumModel,
} from './metric/cusum.js';
export type { EnsembleCombine, EnsembleDetectorOptions, EnsembleState } from './metric/ensemble.js';
export {
  createEnsembleDetector,
  EnsembleCombineSchema,
  EnsembleDetectorOptionsSchema,
  ensembleModel,
} from './metric/ensemble.js';
export type { EwmaDetectorOptions, EwmaModelOptions, EwmaState } from './metric/ewma.js';
export { createEwmaDetector, EwmaDetectorOptionsSchema, EwmaModelOptionsSchema, ewmaModel } from './metric/ewma.js';
export type { LikelihoodOptions, LikelihoodState } from './metric/likelihood.js';
export { LikelihoodOptionsSchema, likelihoodModel, logLikelihood } from './metric/likelihood.js';
export type { MadDetectorOptions, MadModelOptions, MadState } from './metric/mad.js';
export { createMadDetector, MadDetectorOptionsSchema, MadModelOptionsSchema, madModel } from './metric/mad.js';
export { createMetricDetector } from './metric/metric-detector.js';
export type {
  MetricDetector,
  MetricDetectorOptions,
  MetricDetectorState,
  MetricDetectorStats,
} from './metric/metric-detector-options.js';
export { MetricDetectorOptionsSchema } from './metric/metric-detector-options.js';
export type { MetricStatistic } from './metric/metric-value.js';
export { MetricStatisticSchema, metricLabels, metricValue } from './metric/metric-value.js';
export type { RarityOptions, RarityState } from './metric/rarity.js';
export { RarityOptionsSchema, rarityModel } from './metric/rarity.js';
export type {
  RateOfChangeDetectorOptions,
  RateOfChangeModelOptions,
  RateOfChangeState,
} from './metric/rate-of-change.js';
export {
  createRateOfChangeDetector,
  RateOfChangeDetectorOptionsSchema,
  RateOfChangeModelOptionsSchema,
  rateOfChangeModel,
} from './metric/rate-of-change.js';
export type { ScoreModel } from './metric/score-model.js';
export { defineScoreModel } from './metric/score-model.js';
export type { SeasonalDetectorOptions, SeasonalModelOptions, SeasonalState } from './metric/seasonal.js';
export {
  createSeasonalDetector,
  SeasonalDetectorOptionsSchema,
  SeasonalModelOptionsSchema,
  seasonalModel,
} from './metric/seasonal.js';
export type {
  Comparison,
  StaticThresholdDetectorOptions,
  StaticThresholdModelOptions,
  StaticThresholdState,
} from './metric/static-threshold.js';
export {
  ComparisonSchema,
  createStaticThresholdDetector,
  StaticThresholdDetectorOptionsSchema,
  StaticThresholdRuleSchema,
  staticThresholdModel,
} from './metric/static-threshold.js';
export type {
  WindowAggregator,
  WindowAggregatorOptions,
  WindowAggregatorState,
  WindowAggregatorStats,
  WindowResult,
} from './windows/window-aggregator.js';
export { createWindowAggregator, WindowAggregatorOptionsSchema } from './windows/window-aggregator.js';
