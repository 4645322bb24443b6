export type { ConsoleNotifierOptions, ConsoleStream } from './console-notifier.js';
export { createConsoleNotifier } from './console-notifier.js';
export type { CreateOnceOptions, OnceRecord, OnceResult } from './create-once.js';
export { createOnce } from './create-once.js';
export type { NotifierErrorCode, NotifierErrorOptions, SignatureFailure } from './errors.js';
export { errorFromStatus, NotifierError, parseRetryAfter, SignatureError } from './errors.js';
export type { IncidentSummary } from './format.js';
export {
  eventDetails,
  eventHeadline,
  formatDuration,
  keyEvidence,
  severityMark,
  summarize,
  truncate,
} from './format.js';
export type { Env } from './from-env.js';
export {
  jiraOptionsFromEnv,
  slackOptionsFromEnv,
  slackSigningSecretFromEnv,
  webhookOptionsFromEnv,
} from './from-env.js';
export type { AdfDocument, AdfNode } from './jira-adf.js';
export { commentBody, ticketDescription } from './jira-adf.js';
export type { JiraClientConfig } from './jira-client.js';
export { createJiraClient, jiraCall } from './jira-client.js';
export { jiraError } from './jira-errors.js';
export type { JiraNotifier, JiraTicket } from './jira-notifier.js';
export { createJiraNotifier, fingerprintLabel } from './jira-notifier.js';
export type { JiraNotifierOptions } from './jira-options.js';
export { KeyedLane, raceAbort } from './keyed-lane.js';
export type { PacerOptions } from './pacer.js';
export { Pacer } from './pacer.js';
export type { ReplayGuard } from './replay-guard.js';
export { storeReplayGuard } from './replay-guard.js';
export type { Route, RouteMatch, RouterOptions } from './routing.js';
export { createRouter, matchesRoute, routeNotifier } from './routing.js';
export type { SlackBlock } from './slack-blocks.js';
export {
  escapeSlack,
  replyMessage,
  rootMessage,
  SLACK_APPROVE_ACTION,
  SLACK_REJECT_ACTION,
} from './slack-blocks.js';
export type { SlackCallerOptions } from './slack-caller.js';
export { SlackCaller } from './slack-caller.js';
export type { SlackClientConfig } from './slack-client.js';
export { createSlackWebClient, slackLogger } from './slack-client.js';
export { slackError } from './slack-errors.js';
export type {
  SlackInteractionHandler,
  SlackInteractionOptions,
  SlackInteractionOutcome,
  SlackInteractionResult,
  SlackUser,
} from './slack-interactivity.js';
export { createSlackInteractionHandler } from './slack-interactivity.js';
export type { SlackNotifier, SlackNotifierOptions, SlackThread } from './slack-notifier.js';
export { createSlackNotifier } from './slack-notifier.js';
export type { HeaderSource, SlackRequestToVerify } from './slack-signature.js';
export { readHeader, signSlackRequest, verifySlackRequest } from './slack-signature.js';
export type { SlackWebhookNotifierOptions } from './slack-webhook-notifier.js';
export { createSlackWebhookNotifier, IMPORTANT_EVENT_TYPES } from './slack-webhook-notifier.js';
export type { WebhookNotifierOptions } from './webhook-notifier.js';
export { createWebhookNotifier } from './webhook-notifier.js';
export type { WebhookToVerify } from './webhook-signature.js';
export {
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_IDEMPOTENCY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './webhook-signature.js';
export type { RetryPolicy } from './with-retry.js';
export { isRetryable, retrying, withRetry } from './with-retry.js';
