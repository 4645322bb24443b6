export type { Clock, TimerHandle } from './clock.js';
export { abortReason, ManualClock, sleep, systemClock } from './clock.js';
export type { DeadLetterRecord, DeadLetterSink, DeadLetterStage } from './dead-letter.js';
export { DeadLetterRecordSchema, DeadLetterStageSchema, stableHash } from './dead-letter.js';
export type { AiopsErrorCode, AiopsErrorOptions, ConfigIssue } from './errors.js';
export {
  AiopsError,
  ConfigError,
  DecodeError,
  describeError,
  PluginError,
  ValidationError,
} from './errors.js';
export { assertJson, cloneJson } from './json.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export type { ParameterCheck } from './parameters.js';
export { compileParameters, DEFAULT_MAX_PARAMETER_LENGTH } from './parameters.js';
export type { ActionPlan, ActionResult, ActionStatus } from './schemas/action.js';
export {
  ActionPlanSchema,
  ActionResultSchema,
  AwaitingApprovalResultSchema,
  FailedActionResultSchema,
  SucceededActionResultSchema,
} from './schemas/action.js';
export type { Analysis, ProposedAction } from './schemas/analysis.js';
export { AnalysisSchema, ProposedActionSchema } from './schemas/analysis.js';
export type { Attributes, Labels, Origin, Severity } from './schemas/common.js';
export {
  AttributesSchema,
  EpochMsSchema,
  LabelsSchema,
  OriginSchema,
  SEVERITY_ORDER,
  SeveritySchema,
} from './schemas/common.js';
export type { IncidentEvent, IncidentEventOf, IncidentEventType } from './schemas/event.js';
export { INCIDENT_EVENT_TYPES, IncidentEventSchema } from './schemas/event.js';
export type { Evidence, Finding } from './schemas/finding.js';
export { EvidenceSchema, FindingSchema } from './schemas/finding.js';
export type { Incident, IncidentRef } from './schemas/incident.js';
export { IncidentRefSchema, IncidentSchema } from './schemas/incident.js';
export type {
  ParameterSchema,
  ParametersSchema,
  RunbookCatalogView,
  RunbookSummary,
} from './schemas/runbook.js';
export { ParameterSchemaSchema, ParametersSchemaSchema, RunbookSummarySchema } from './schemas/runbook.js';
export type {
  AlarmSignal,
  AlarmState,
  EventSignal,
  LogLevel,
  LogSignal,
  MetricSignal,
  Signal,
  SignalType,
  StatisticSet,
} from './schemas/signal.js';
export {
  AlarmSignalSchema,
  AlarmStateSchema,
  EventSignalSchema,
  escapeKey,
  LogLevelSchema,
  LogSignalSchema,
  MetricSignalSchema,
  quickCheckSignal,
  SignalSchema,
  StatisticSetSchema,
  seriesKeyOf,
} from './schemas/signal.js';
export type {
  ActionRequest,
  AnalysisRequest,
  Analyzer,
  ApprovalApi,
  ApprovalOutcome,
  ApprovalState,
  Decoder,
  Delivery,
  Detector,
  DetectorContext,
  DetectorOutput,
  EscalationRequest,
  Executor,
  Notifier,
  PlanDecision,
  RawRecord,
  RecordPayload,
  Source,
  StageContext,
  StepContext,
} from './stages.js';
export { defineDetector, defineNotifier } from './stages.js';
export type {
  DeleteOptions,
  ListOptions,
  ListPage,
  MemoryStateStoreOptions,
  PutOptions,
  PutResult,
  StateStore,
  StoreItem,
  UpdateItemOptions,
} from './store.js';
export { listAll, MemoryStateStore, paginate, updateItem } from './store.js';
export { LoggerSchema, parseOptions, parseOrThrow, toIssues } from './validation.js';
