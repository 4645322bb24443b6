import { z } from 'zod';
import type { AuditSink } from './audit.js';
import type { RunbookCatalog } from './catalog.js';
import { type GuardrailsOptions, GuardrailsSchema } from './guardrails.js';
import type { LocalDriverOptions } from './local-driver.js';
import { ClockOption, LoggerOption, StoreOption } from './option-schemas.js';
import type { ActionDriver } from './rendered-action.js';
import { SsmClientOptionSchema } from './ssm-client.js';
import { type SsmDriverOptions, SsmTuningSchema } from './ssm-options.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Progress of a running runbook, e.g. an automation that waits for approval in SSM.
 *
 * @example
 * ```ts
 * import type { ProgressEvent } from '@aiops/runbook-executor';
 * const onProgress = (e: ProgressEvent) => e.status === 'PendingApproval' && console.log(`${e.planId} waits in SSM`);
 * ```
 */
export interface ProgressEvent {
  readonly planId: string;
  readonly runbookId: string;
  readonly status: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Zod schema of {@link RunbookExecutorOptions}, used to validate them eagerly. */
export const RunbookExecutorOptionsSchema = z.object({
  /** Names the executor in results, audit records and store keys' owner. */
  name: z.string().min(1).default('runbooks'),
  catalog: z.custom<RunbookCatalog>(
    (v) => isObject(v) && typeof v.runbook === 'function' && typeof v.ready === 'function',
    'must be a RunbookCatalog (createFolderCatalog, createGitCatalog, createGitHubCatalog)',
  ),
  /** Where plans, runs, approvals, guardrail state and the audit log live; share it with the pipeline. */
  store: StoreOption,
  guardrails: GuardrailsSchema,
  /** Runs `ssm-command` and `ssm-automation` runbooks; they are refused when absent. */
  ssm: z.intersection(SsmClientOptionSchema, SsmTuningSchema).optional(),
  /** Runs `local` runbooks; they are refused when absent. */
  local: z.record(z.string(), z.unknown()).optional(),
  /** Your own drivers, by action type; they replace the built-in ones. */
  drivers: z
    .array(
      z.custom<ActionDriver>(
        (v) => isObject(v) && typeof v.type === 'string' && typeof v.run === 'function',
        'must be an ActionDriver',
      ),
    )
    .default([]),
  audit: z
    .object({
      /** Also append every record to this NDJSON file. */
      ndjsonPath: z.string().min(1).optional(),
      /** More sinks, best effort. */
      sinks: z
        .array(z.custom<AuditSink>((v) => isObject(v) && typeof v.write === 'function', 'must be an AuditSink'))
        .default([]),
      /** How long the store keeps audit records; forever when absent. */
      retentionMs: z.number().int().positive().optional(),
    })
    .prefault({}),
  /** Prefix of every store key this executor writes. */
  keyPrefix: z.string().min(1).default('runbooks/'),
  /** How long plan, run and approval records are kept after they stop mattering. */
  retentionMs: z
    .number()
    .int()
    .positive()
    .default(14 * 24 * 3_600_000),
  /**
   * This executor's name in run records, stable across restarts of the same worker (a host or pod
   * name). A restarted worker then recognises the runs its previous life left unfinished and follows
   * them at once, instead of waiting three heartbeats for them to look abandoned. Two live executors
   * sharing a store must never share it. A random id per start when absent.
   */
  workerId: z
    .string()
    .regex(/^[\w.:@-]{1,128}$/, 'letters, digits and . : @ - _ only, at most 128')
    .optional(),
  /** Waiting for the run record of a plan another live worker is running, at most this long past its deadline. */
  heartbeatMs: z.number().int().positive().default(30_000),
  /** How long `stop()` lets running work (a rollback, a run) finish before aborting it. */
  stopDrainMs: z.number().int().nonnegative().default(10_000),
  clock: ClockOption.optional(),
  logger: LoggerOption.optional(),
  onProgress: z.custom<(e: ProgressEvent) => void>((v) => typeof v === 'function', 'must be a function').optional(),
});

/**
 * Options of {@link createRunbookExecutor}.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { createFolderCatalog, type RunbookExecutorOptions } from '@aiops/runbook-executor';
 * const options: RunbookExecutorOptions = {
 *   catalog: createFolderCatalog({ dir: './examples/runbooks' }),
 *   store: new MemoryStateStore(),
 *   guardrails: { allow: ['restart-*'], maxRunsPerHour: 10 },
 *   local: { env: { PATH: '/usr/bin:/bin' } },
 * };
 * ```
 */
export interface RunbookExecutorOptions {
  readonly name?: string;
  readonly catalog: RunbookCatalog;
  readonly store: z.input<typeof StoreOption>;
  readonly guardrails?: GuardrailsOptions;
  readonly ssm?: SsmDriverOptions;
  readonly local?: LocalDriverOptions;
  readonly drivers?: readonly ActionDriver[];
  readonly audit?: {
    readonly ndjsonPath?: string;
    readonly sinks?: readonly AuditSink[];
    readonly retentionMs?: number;
  };
  readonly keyPrefix?: string;
  readonly retentionMs?: number;
  readonly workerId?: string;
  readonly heartbeatMs?: number;
  readonly stopDrainMs?: number;
  readonly clock?: z.input<typeof ClockOption>;
  readonly logger?: z.input<typeof LoggerOption>;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** Resolved executor options. */
export type ResolvedExecutorOptions = z.output<typeof RunbookExecutorOptionsSchema>;
