export type { RequestClassifier, RequestOutcome } from './request-outcome.js';
export { classifyRequest } from './request-outcome.js';
export type { SloBurnRateDetector } from './slo-burn-rate.js';
export { createSloBurnRateDetector, formatDuration } from './slo-burn-rate.js';
export type {
  BurnRule,
  SeriesSnapshot,
  SloBurnRateOptions,
  SloBurnRateState,
  SloBurnRateStats,
} from './slo-burn-rate-options.js';
export { BurnRuleSchema, DEFAULT_BURN_RULES, SloBurnRateOptionsSchema } from './slo-burn-rate-options.js';
