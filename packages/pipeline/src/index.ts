export type { CliCommand, CliIo } from './cli/command.js';
export { COMMANDS, runCli } from './cli/main.js';
export type { BuildOptions, BuiltPipeline } from './config/build.js';
export { buildPipeline } from './config/build.js';
export { defaultDetectors } from './config/default-detectors.js';
export type { LoadConfigOptions, LoadedConfig } from './config/load.js';
export { ConfigFileError, formatConfigIssue, loadConfig, parseConfig } from './config/load.js';
export type { AiopsConfig } from './config/schema.js';
export { AiopsConfigSchema } from './config/schema.js';
export type { ConfigFileIssue } from './config/yaml-document.js';
export type {
  DeadLetterLineError,
  DeadLettersFile,
  MemoryDeadLetterSinkOptions,
  NdjsonDeadLetterSinkOptions,
} from './dead-letter.js';
export { MemoryDeadLetterSink, NdjsonDeadLetterSink, readDeadLetters, toDeadLetterPayload } from './dead-letter.js';
export { runClosedLoopDemo } from './demo/closed-loop.js';
export type {
  ClosedLoopDemoOptions,
  ClosedLoopDemoResult,
  ClosedLoopDemoSummary,
  ClosedLoopTimelineEntry,
} from './demo/closed-loop-options.js';
export { formatClosedLoopTimeline } from './demo/demo-report.js';
export type { FileStateStoreOptions } from './file-store.js';
export { FileStateStore } from './file-store.js';
export type { HealthCheck, HealthOptions, HealthReport } from './health.js';
export { healthHandler } from './health.js';
export type {
  DirtyRecord,
  IncidentChange,
  IncidentOptions,
  IncidentRecord,
  ObserveOutcome,
  RecordEvent,
} from './incident-manager.js';
export { IncidentManager, IncidentOptionsSchema, labelsFor, severityOf } from './incident-manager.js';
export type { InhibitRule, Matcher, Silence } from './matchers.js';
export { InhibitRuleSchema, MatcherSchema, matchesAll, SilenceSchema } from './matchers.js';
export type {
  FastPathOptions,
  PipelineOptions,
  ResolvedPipelineOptions,
  SlowPathOptions,
} from './options.js';
export {
  FastPathOptionsSchema,
  PipelineOptionsSchema,
  SlowPathOptionsSchema,
} from './options.js';
export type { Pipeline, PipelineEvents, PipelineFailure, StopOptions } from './pipeline.js';
export { createPipeline } from './pipeline.js';
export type { EpochProgress, NotifierCursor, ProgressRecord, StepState } from './progress.js';
export { emptyProgress, incidentKey, progressKey } from './progress.js';
export type { PushSource, PushSourceOptions, PushSourceStats } from './push-source.js';
export { createPushSource } from './push-source.js';
export { renderIncidentReport, reportIncidentsFromEvents } from './report/incident-report.js';
export type {
  IncidentReportInput,
  ReportAnalysis,
  ReportBucket,
  ReportIncident,
  ReportMark,
  ReportTimelineEntry,
} from './report/report-types.js';
export type { PipelineStats } from './stats.js';
export { backoffDelay, raceDeadline, retryDelay, withTimeout } from './timing.js';
export type { SpanAttributes, SpanLike, TracerLike } from './tracing.js';
export { noopTracer } from './tracing.js';
