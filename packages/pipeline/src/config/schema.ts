import { INCIDENT_EVENT_TYPES, type IncidentEventType, SeveritySchema } from '@aiops/core';
import {
  AdaptiveDetectorOptionsSchema,
  AlarmPassThroughOptionsSchema,
  CusumDetectorOptionsSchema,
  ErrorRateOptionsSchema,
  EwmaDetectorOptionsSchema,
  MadDetectorOptionsSchema,
  NewPatternOptionsSchema,
  RateOfChangeDetectorOptionsSchema,
  SeasonalDetectorOptionsSchema,
  StaticThresholdDetectorOptionsSchema,
  TemplateSpikeOptionsSchema,
} from '@aiops/detectors';
import { BedrockAnalyzerOptionsSchema, OfflineAnalyzerOptionsSchema, RedactorOptionsSchema } from '@aiops/llm-analyzer';
import { GuardrailsSchema } from '@aiops/runbook-executor';
import { z } from 'zod';
import { IncidentOptionsSchema } from '../incident-manager.js';
import { InhibitRuleSchema, SilenceSchema } from '../matchers.js';
import { FastPathOptionsSchema, SlowPathOptionsSchema } from '../options.js';
import { pluginEntry } from './entry.js';

const name = z.string().min(1);
const ms = z.number().int().nonnegative();
const positive = z.number().int().positive();
/** Where an AWS client connects: the region, and an endpoint for emulators or VPC endpoints. */
const aws = { region: name.optional(), endpoint: z.url().optional() };
const EventTypeSchema = z.enum(INCIDENT_EVENT_TYPES as unknown as [IncidentEventType, ...IncidentEventType[]]);

// ---- sources -------------------------------------------------------------------------------------

const LeasesSchema = z
  .object({
    tableName: z.string().min(3).max(255),
    workerId: name.optional(),
    failoverTimeMs: positive.optional(),
    renewIntervalMs: positive.optional(),
    takeIntervalMs: positive.optional(),
    maxLeases: positive.optional(),
    maxLeasesToStealAtOneTime: ms.optional(),
    createTableIfMissing: z.boolean().optional(),
    ...aws,
  })
  .strict();

const CheckpointsSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file'), path: name, fsync: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('store'), prefix: name.optional() }).strict(),
]);

const KinesisSourceSchema = z
  .object({
    type: z.literal('kinesis'),
    name: name.optional(),
    streamName: name,
    ...aws,
    initialPosition: z.union([z.enum(['TRIM_HORIZON', 'LATEST']), z.object({ atTimestampMs: ms }).strict()]).optional(),
    checkpoints: CheckpointsSchema.optional(),
    leases: LeasesSchema.optional(),
    deaggregate: z.boolean().optional(),
    maxRecordsPerCall: z.number().int().min(1).max(10_000).optional(),
    minPollIntervalMs: ms.optional(),
    maxPollIntervalMs: positive.optional(),
    checkpointEveryRecords: positive.optional(),
    checkpointIntervalMs: positive.optional(),
    maxRecordsBeyondCheckpoint: positive.optional(),
    maxBufferedRecordsPerShard: positive.optional(),
    maxUnackedRecordsPerShard: positive.optional(),
    shardSyncIntervalMs: positive.optional(),
    drainTimeoutMs: ms.optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.leases && o.checkpoints) {
      ctx.addIssue({
        code: 'custom',
        path: ['leases'],
        message: 'give leases (many workers) or checkpoints (one worker), not both',
      });
    }
  });

const FileSourceSchema = z
  .object({
    type: z.literal('file'),
    name: name.optional(),
    paths: z.union([name, z.array(name).min(1)]),
    format: z.enum(['lines', 'cloudwatch-export', 'cloudwatch-events']).optional(),
    logGroup: name.optional(),
    service: name.optional(),
    batchSize: positive.optional(),
    resume: z.boolean().optional(),
    checkpointEveryLines: positive.optional(),
  })
  .strict();

/** `sources`: where records come from. */
export const SourceConfigSchema = z.discriminatedUnion('type', [KinesisSourceSchema, FileSourceSchema]);

// ---- decoders ------------------------------------------------------------------------------------

/** `decoders`: how record bytes become signals. Omitted: one `auto` decoder. */
export const DecoderConfigSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('auto'),
      name: name.optional(),
      /** JSON log lines in no AWS format: mapped to log signals unless `false`. */
      json: z
        .union([
          z.boolean(),
          z
            .object({ format: z.enum(['auto', 'json', 'ndjson']).optional(), validate: z.boolean().optional() })
            .strict(),
        ])
        .optional(),
      text: z.boolean().optional(),
      /** Options of the CloudWatch Logs decoder inside. */
      cloudWatchLogs: z
        .object({ detectLevel: z.boolean().optional(), jsonMessages: z.boolean().optional() })
        .strict()
        .optional(),
      maxDecompressedBytes: positive.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('cloudwatch-logs'),
      name: name.optional(),
      detectLevel: z.boolean().optional(),
      /** Log events that are one JSON object become structured log signals. Default false. */
      jsonMessages: z.boolean().optional(),
      maxDecompressedBytes: positive.optional(),
    })
    .strict(),
  z.object({ type: z.literal('cloudwatch-alarms'), name: name.optional() }).strict(),
  z.object({ type: z.literal('eventbridge'), name: name.optional() }).strict(),
  z.object({ type: z.literal('metric-streams'), name: name.optional() }).strict(),
  z
    .object({
      type: z.literal('ndjson'),
      name: name.optional(),
      format: z.enum(['auto', 'json', 'ndjson']).optional(),
      validate: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('text'),
      name: name.optional(),
      service: name.optional(),
      logGroup: name.optional(),
      detectLevel: z.boolean().optional(),
    })
    .strict(),
]);

// ---- detectors -----------------------------------------------------------------------------------

/** One detector of the `detectors` list; each type takes its factory's options. */
export const DetectorConfigSchema = z.discriminatedUnion('type', [
  pluginEntry('error-rate', ErrorRateOptionsSchema),
  pluginEntry('template-spike', TemplateSpikeOptionsSchema),
  pluginEntry('new-pattern', NewPatternOptionsSchema),
  pluginEntry('alarm', AlarmPassThroughOptionsSchema),
  pluginEntry('adaptive', AdaptiveDetectorOptionsSchema),
  pluginEntry('static-threshold', StaticThresholdDetectorOptionsSchema),
  pluginEntry('ewma', EwmaDetectorOptionsSchema),
  pluginEntry('mad', MadDetectorOptionsSchema),
  pluginEntry('cusum', CusumDetectorOptionsSchema),
  pluginEntry('seasonal', SeasonalDetectorOptionsSchema),
  pluginEntry('rate-of-change', RateOfChangeDetectorOptionsSchema),
]);

/**
 * `detectors`: a list (exactly these detectors), or `{ default: true, add: [...] }` (the default set
 * of `defaultDetectors()`, plus more). Omitted: the default set.
 */
export const DetectorsConfigSchema = z.union([
  z.array(DetectorConfigSchema),
  z.object({ default: z.boolean().default(true), add: z.array(DetectorConfigSchema).default([]) }).strict(),
]);

// ---- incidents -----------------------------------------------------------------------------------

/** Epoch milliseconds, or an ISO 8601 date (`2026-11-24T06:00:00Z`). */
const TimeSchema = z.preprocess(
  (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : v),
  z.number().nonnegative(),
);

/** `incidents`: grouping, repeat and resolve timings, silences and inhibit rules. */
export const IncidentsConfigSchema = z
  .object({
    ...IncidentOptionsSchema.omit({ fingerprint: true }).shape,
    silences: z.array(SilenceSchema.extend({ startsAt: TimeSchema, endsAt: TimeSchema }).strict()).default([]),
    inhibitRules: z.array(InhibitRuleSchema.strict()).default([]),
  })
  .strict();

// ---- analyzer ------------------------------------------------------------------------------------

const redaction = { redaction: RedactorOptionsSchema.strict().optional() };

/** `analyzer`: `offline` (no model), `bedrock` (a model on Amazon Bedrock) or `none`. Omitted: offline. */
export const AnalyzerConfigSchema = z.discriminatedUnion('type', [
  pluginEntry('offline', OfflineAnalyzerOptionsSchema, {
    own: redaction,
    codeOnly: ['catalog', 'redactor', 'logger'],
  }),
  pluginEntry('bedrock', BedrockAnalyzerOptionsSchema, {
    own: { ...aws, ...redaction },
    codeOnly: [
      'client',
      'clientConfig',
      'investigation',
      'fallbackAnalyzer',
      'catalog',
      'redactor',
      'tokenCounter',
      'logger',
      'onEvent',
    ],
  }),
  z.object({ type: z.literal('none') }).strict(),
]);

// ---- runbooks and executor -----------------------------------------------------------------------

/** `runbooks`: the runbook catalog, from a local folder or a Git repository. */
export const RunbooksConfigSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('folder'),
      name: name.optional(),
      dir: name,
      runbooksDir: name.optional(),
      pollIntervalMs: positive.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('git'),
      name: name.optional(),
      url: name,
      ref: name.optional(),
      commit: z
        .string()
        .regex(/^[0-9a-f]{40}$/, 'a full 40-character commit id')
        .optional(),
      cacheDir: name,
      runbooksDir: name.optional(),
      pollIntervalMs: positive.optional(),
      gitBinary: name.optional(),
      env: z.record(z.string(), z.string()).optional(),
      timeoutMs: positive.optional(),
    })
    .strict()
    .superRefine((o, ctx) => {
      if ((o.ref === undefined) === (o.commit === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['ref'],
          message: 'give exactly one of ref (followed) or commit (pinned)',
        });
      }
    }),
]);

/** `executor`: how runbooks run (local processes and/or Systems Manager) and the guardrails around them. */
export const ExecutorConfigSchema = z
  .object({
    name: name.optional(),
    local: z
      .object({
        env: z.record(z.string(), z.string()).optional(),
        allowedPrograms: z.array(name).optional(),
        cwd: name.optional(),
        /** Where supervised runs keep their pid, output and exit status, so a run survives a crash of this process. */
        runDir: name.optional(),
        /** How long a finished run's files stay in runDir (default 7 days). */
        runRetentionMs: positive.optional(),
        killGraceMs: ms.optional(),
      })
      .strict()
      .optional(),
    ssm: z
      .object({
        ...aws,
        pollIntervalMs: positive.optional(),
        invocationGraceMs: positive.optional(),
        syncDocuments: z.boolean().optional(),
        maxOutputInstances: positive.optional(),
        cancelTimeoutMs: positive.optional(),
      })
      .strict()
      .optional(),
    guardrails: GuardrailsSchema,
    audit: z.object({ file: name }).strict().optional(),
    /** Stable across restarts of this worker (a host or pod name): its unfinished runs are followed at once. */
    workerId: name.optional(),
    heartbeatMs: positive.optional(),
    stopDrainMs: ms.optional(),
    retentionMs: positive.optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (!o.local && !o.ssm) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give local, ssm or both: how runbook actions run' });
    }
  });

// ---- notifiers -----------------------------------------------------------------------------------

/** Which events a notifier gets (see `routeNotifier` of @aiops/notifiers). */
const RouteSchema = z
  .object({
    minSeverity: SeveritySchema.optional(),
    severities: z.array(SeveritySchema).optional(),
    labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    eventTypes: z.array(EventTypeSchema).optional(),
  })
  .strict();
const route = { route: RouteSchema.optional() };

const ConsoleOptions = z.object({
  name: name.optional(),
  color: z.enum(['auto', 'always', 'never']).optional(),
  events: z.array(EventTypeSchema).optional(),
  evidence: z.boolean().optional(),
});
const SlackOptions = z.object({
  name: name.optional(),
  token: name,
  channel: name,
  slackApiUrl: z.url().optional(),
  requestTimeoutMs: positive.optional(),
  replyTo: z.array(EventTypeSchema).optional(),
  broadcast: z.array(EventTypeSchema).optional(),
  approvalButtons: z.boolean().optional(),
  evidenceLimit: z.number().int().nonnegative().max(20).optional(),
  perChannelIntervalMs: ms.optional(),
  reconcile: z.boolean().optional(),
  retentionMs: positive.optional(),
  workerId: name.optional(),
});
const SlackWebhookOptions = z.object({
  name: name.optional(),
  url: z.url(),
  requestTimeoutMs: positive.optional(),
  events: z.array(EventTypeSchema).optional(),
  intervalMs: ms.optional(),
  rateLimitWaitMs: ms.optional(),
  retentionMs: positive.optional(),
  workerId: name.optional(),
});
const WebhookOptions = z.object({
  name: name.optional(),
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(16, 'use a secret of at least 16 characters').optional(),
  headers: z.record(z.string(), z.string()).optional(),
  events: z.array(EventTypeSchema).optional(),
  requestTimeoutMs: positive.optional(),
  retry: z
    .object({ maxAttempts: positive.max(20).optional(), baseMs: ms.optional(), maxMs: positive.optional() })
    .optional(),
  retentionMs: positive.optional(),
});

// The Jira notifier's schema is not exported: its fields are listed here, and createJiraNotifier
// checks their values again (its errors point back at the entry's lines).
const JiraOptions = z.object({
  name: name.optional(),
  host: z.url(),
  email: name,
  apiToken: name,
  projectKey: z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'a Jira project key such as OPS'),
  requestTimeoutMs: positive.optional(),
  issueType: z.union([name, z.object({ id: name }).strict()]).optional(),
  labels: z.array(name).optional(),
  priorities: z.partialRecord(SeveritySchema, name).optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  summaryPrefix: z.string().optional(),
  doneTransition: name.optional(),
  doneFields: z.record(z.string(), z.unknown()).optional(),
  reopenTransitions: z.array(name).min(1).optional(),
  reopenWithinMs: ms.optional(),
  commentOn: z.array(EventTypeSchema).optional(),
  searchSettleMs: ms.optional(),
  rateLimitWaitMs: ms.optional(),
  retentionMs: positive.optional(),
  workerId: name.optional(),
});

/** One notifier of the `notifiers` list, with an optional `route`. Omitted: a console notifier. */
export const NotifierConfigSchema = z.discriminatedUnion('type', [
  pluginEntry('console', ConsoleOptions, { own: { ...route, stream: z.enum(['stdout', 'stderr']).optional() } }),
  pluginEntry('slack', SlackOptions, { own: route }),
  pluginEntry('slack-webhook', SlackWebhookOptions, { own: route }),
  pluginEntry('jira', JiraOptions, { own: route }),
  pluginEntry('webhook', WebhookOptions, { own: route }),
]);

// ---- store, dead letters, logging ----------------------------------------------------------------

/** `store`: where incidents, the outbox and checkpoints live. Omitted: memory (lost on exit). */
export const StoreConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('memory') }).strict(),
  z
    .object({
      type: z.literal('file'),
      dir: name,
      compactAfterBytes: positive.optional(),
      fsync: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('dynamodb'),
      tableName: z.string().min(3).max(255),
      namespace: name.optional(),
      ttlAttribute: z.union([name, z.literal(false)]).optional(),
      ...aws,
    })
    .strict(),
]);

/** `deadLetters`: an NDJSON file that every record the pipeline cannot process goes to, with the reason. */
export const DeadLettersConfigSchema = z.object({ file: name, fsync: z.boolean().optional() }).strict();

/**
 * The whole config file of `aiops run`: `sources` (required), `decoders`, `detectors`, `incidents`,
 * `analyzer`, `runbooks`, `executor`, `notifiers`, `store`, `deadLetters`, `fastPath`, `slowPath`,
 * `logging`. Plugin entries take their factory's own options; docs/configuration.md has every field.
 * Use {@link loadConfig} for a file: it adds line numbers and environment variables.
 *
 * @example
 * ```ts
 * import { AiopsConfigSchema } from '@aiops/pipeline';
 * const config = AiopsConfigSchema.parse({
 *   sources: [{ type: 'file', paths: './app.ndjson' }],
 *   detectors: { default: true, add: [{ type: 'static-threshold', threshold: 90 }] },
 *   store: { type: 'file', dir: './.aiops/state' },
 * });
 * ```
 */
export const AiopsConfigSchema = z
  .object({
    version: z.literal(1).optional(),
    sources: z.array(SourceConfigSchema).min(1),
    decoders: z.array(DecoderConfigSchema).optional(),
    detectors: DetectorsConfigSchema.optional(),
    incidents: IncidentsConfigSchema.optional(),
    analyzer: AnalyzerConfigSchema.optional(),
    runbooks: RunbooksConfigSchema.optional(),
    executor: ExecutorConfigSchema.optional(),
    notifiers: z.array(NotifierConfigSchema).optional(),
    store: StoreConfigSchema.optional(),
    deadLetters: DeadLettersConfigSchema.optional(),
    fastPath: FastPathOptionsSchema.strict().optional(),
    slowPath: SlowPathOptionsSchema.strict().optional(),
    logging: z
      .object({ level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info') })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.executor && !o.runbooks) {
      ctx.addIssue({
        code: 'custom',
        path: ['executor'],
        message: 'an executor needs a runbooks section (the catalog it runs from)',
      });
    }
  });

/**
 * A validated config, see {@link AiopsConfigSchema}.
 *
 * @example
 * ```ts
 * import { type AiopsConfig, loadConfig } from '@aiops/pipeline';
 * const { config }: { config: AiopsConfig } = await loadConfig('aiops.yaml');
 * const kinesis = config.sources.filter((s) => s.type === 'kinesis');
 * ```
 */
export type AiopsConfig = z.output<typeof AiopsConfigSchema>;
export type SourceConfig = z.output<typeof SourceConfigSchema>;
export type DecoderConfig = z.output<typeof DecoderConfigSchema>;
export type DetectorConfig = z.output<typeof DetectorConfigSchema>;
export type NotifierConfig = z.output<typeof NotifierConfigSchema>;
export type AnalyzerConfig = z.output<typeof AnalyzerConfigSchema>;
