export type { CapturingLogger, LogEntry, LogLevelName } from './capturing-logger.js';
export { createCapturingLogger } from './capturing-logger.js';
export type { TestContext, TestContextOptions } from './context.js';
export { createStepContext, createTestContext } from './context.js';
export type { ContractCheck } from './contract-kit.js';
export type { DetectorContractOptions, DetectorFactory } from './detector-contract.js';
export { checkDetector, detectorChecks, runDetectorContract } from './detector-contract.js';
export type {
  BedrockConverseBody,
  FakeBedrock,
  FakeBedrockHandler,
  FakeBedrockReply,
  SeenBedrockRequest,
} from './fakes/bedrock.js';
export { bedrockPromptOf, startFakeBedrock } from './fakes/bedrock.js';
export type { FakeHttpHandler, FakeHttpServer, SeenHttpRequest } from './fakes/http.js';
export { startFakeHttpServer } from './fakes/http.js';
export type { FakeJira, FakeJiraFault, FakeJiraIssue, FakeJiraOptions } from './fakes/jira.js';
export { startFakeJira } from './fakes/jira.js';
export type { FakeSlack, FakeSlackFault, FakeSlackMessage, FakeSlackOptions } from './fakes/slack.js';
export { startFakeSlack } from './fakes/slack.js';
export type { ActionResultOf } from './fixtures.js';
export {
  FIXTURE_NOW,
  makeActionPlan,
  makeActionResult,
  makeAlarmSignal,
  makeAnalysis,
  makeEventSignal,
  makeFinding,
  makeIncident,
  makeIncidentEvent,
  makeLogSignal,
  makeMetricSignal,
  makeRunbookSummary,
  staticCatalog,
} from './fixtures.js';
export type { MemoryNotifier, MemoryNotifierOptions, NotifierCall } from './memory-notifier.js';
export { createMemoryNotifier } from './memory-notifier.js';
export type { MemorySource, MemorySourceItem, MemorySourceOptions, NackRecord } from './memory-source.js';
export { createMemorySource } from './memory-source.js';
export type { NotifierContractOptions, NotifierFactory } from './notifier-contract.js';
export { checkNotifier, notifierChecks, runNotifierContract } from './notifier-contract.js';
export type {
  PlanCall,
  RecordingExecutor,
  RecordingExecutorOptions,
  RunCall,
  ScriptedDecision,
} from './recording-executor.js';
export { createRecordingExecutor } from './recording-executor.js';
export type {
  AnalyzerCall,
  ScriptedAnalyzer,
  ScriptedAnalyzerOptions,
  ScriptedCallInfo,
} from './scripted-analyzer.js';
export { createScriptedAnalyzer } from './scripted-analyzer.js';
export type { SourceContractOptions, SourceFactory } from './source-contract.js';
export { checkSource, runSourceContract, sourceChecks } from './source-contract.js';
export { runStateStoreContract } from './store-contract.js';
