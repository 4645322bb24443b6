export type { ApprovalRecord } from './approvals.js';
export type { AuditRecord, AuditSink, AuditType } from './audit.js';
export { createMemoryAuditSink, createNdjsonAuditSink, createStoreAuditSink, readAuditLog } from './audit.js';
export type { CatalogBaseOptions, CatalogLoadReport, RunbookCatalog, SourceDriver, SourceSnapshot } from './catalog.js';
export { createCatalog } from './catalog.js';
export type { SyncedDocument } from './document-sync.js';
export { syncDocument } from './document-sync.js';
export { DurationSchema, formatDuration, parseDuration } from './duration.js';
export type { RunbookErrorCode } from './errors.js';
export { RunbookError, SsmError, toSsmError } from './errors.js';
export type { RunbookExecutor } from './executor.js';
export { createRunbookExecutor } from './executor.js';
export type { ExecutorStats } from './executor-core.js';
export type { ProgressEvent, RunbookExecutorOptions } from './executor-options.js';
export type { FolderCatalogOptions } from './folder-catalog.js';
export { createFolderCatalog } from './folder-catalog.js';
export { folderFiles } from './folder-files.js';
export type { GitCatalogOptions } from './git-catalog.js';
export { createGitCatalog } from './git-catalog.js';
export type { GitHubCatalogOptions } from './github-catalog.js';
export { createGitHubCatalog } from './github-catalog.js';
export type { Guardrails, GuardrailsOptions, KillSwitchState, Refusal } from './guardrails.js';
export { GuardrailsSchema } from './guardrails.js';
export type { ParameterValues } from './inputs.js';
export { checkValues, resolveParameters } from './inputs.js';
export type { LocalDriverOptions } from './local-driver.js';
export { createLocalDriver } from './local-driver.js';
export { checkSafePattern } from './pattern-check.js';
export { planIdOf } from './planning.js';
export type { PlanRecord, RunRecord } from './records.js';
export type { RenderedTarget } from './render.js';
export { renderAction, renderTarget } from './render.js';
export type {
  ActionDriver,
  DriverContext,
  DriverOutcome,
  ExternalRef,
  RenderedAction,
  RenderedDocument,
  RenderedLocal,
  RenderedSsmAutomation,
  RenderedSsmCommand,
} from './rendered-action.js';
export type { LoadedRunbook, LoadRepositoryOptions, RepositoryFiles, RepositoryLoad } from './repository.js';
export { loadRunbookRepository } from './repository.js';
export type { FieldPath, RunbookIssue } from './runbook-issue.js';
export { formatIssue } from './runbook-issue.js';
export type { DocumentLookup, LintFinding } from './runbook-lint.js';
export { checkRepoPath, lintRunbook } from './runbook-lint.js';
export type {
  OnFailure,
  RollbackSpec,
  Runbook,
  RunbookAction,
  RunbookInput,
  RunbookTarget,
} from './runbook-schema.js';
export {
  DocumentRefSchema,
  OnFailureSchema,
  RunbookActionSchema,
  RunbookSchema,
  RunbookTargetSchema,
  toRunbookSummary,
} from './runbook-schema.js';
export { AUTOMATION_WAITING_STATES, createSsmAutomationDriver } from './ssm-automation-driver.js';
export type { SsmClientOption, SsmConnection } from './ssm-client.js';
export { openSsm } from './ssm-client.js';
export { createSsmCommandDriver } from './ssm-command-driver.js';
export type { KnownAwsDocument, SsmDocument, SsmDocumentParameter } from './ssm-document.js';
export { KNOWN_AWS_DOCUMENTS, parseSsmDocument } from './ssm-document.js';
export type { SsmDriverOptions } from './ssm-options.js';
export type { TemplatePart } from './template.js';
export { parseTemplate, renderTemplate, templateRefs } from './template.js';
export type { CliIo, ValidationReport } from './validate-command.js';
export { runRunbooksCli, validateRunbookRepository } from './validate-command.js';
export type { ScreenFinding } from './value-screen.js';
export { DEFAULT_MAX_VALUE_LENGTH, HOSTILE_PROBES, screenValue, screenValues } from './value-screen.js';
