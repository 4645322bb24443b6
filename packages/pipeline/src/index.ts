export { createPipeline } from './pipeline.js';
export type { Pipeline, PipelineEvents, PipelineFailure, StopOptions } from './pipeline.js';
export {
  FastPathOptionsSchema,
  PipelineOptionsSchema,
  SlowPathOptionsSchema,
} from './options.js';
export type {
  FastPathOptions,
  PipelineOptions,
  ResolvedPipelineOptions,
  SlowPathOptions,
} from './options.js';
export { IncidentManager, IncidentOptionsSchema, labelsFor, severityOf } from './incident-manager.js';
export type {
  DirtyRecord,
  IncidentChange,
  IncidentOptions,
  IncidentRecord,
  ObserveOutcome,
  RecordEvent,
} from './incident-manager.js';
export { InhibitRuleSchema, MatcherSchema, SilenceSchema, matchesAll } from './matchers.js';
export type { InhibitRule, Matcher, Silence } from './matchers.js';
export { emptyProgress, incidentKey, progressKey } from './progress.js';
export type { EpochProgress, NotifierCursor, ProgressRecord, StepState } from './progress.js';
export type { PipelineStats } from './stats.js';
export { backoffDelay, withTimeout } from './timing.js';
