import { ParameterSchemaSchema, ParametersSchemaSchema, type RunbookSummary, RunbookSummarySchema } from '@aiops/core';
import { z } from 'zod';
import { DurationSchema } from './duration.js';

/** Runbook ids: lower-case letters, digits and dashes, at most 64 (as in `@aiops/core`). */
export const RUNBOOK_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Parameter names: identifiers, so that templates can refer to them. */
export const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Where a parameter's value may come from: the proposal, or a label of the incident or a finding. */
export const INPUT_SOURCE =
  /^(proposal|incident\.labels\.[A-Za-z0-9_.:/-]{1,128}|finding\.labels\.[A-Za-z0-9_.:/-]{1,128})$/;
const SSM_DOCUMENT_NAME = /^[a-zA-Z0-9_\-.:/]{3,128}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));
const DocumentParameterValue = z.union([Scalar, z.array(Scalar).max(100)]);

/**
 * An SSM document a runbook runs: by name (an AWS-owned document such as `AWS-RunShellScript`, or
 * one that already exists in the account), or kept beside the runbook at `path` and synced to SSM
 * under `name` before use.
 *
 * @example
 * ```ts
 * import { DocumentRefSchema } from '@aiops/runbook-executor';
 * DocumentRefSchema.parse({ name: 'Aiops-RestartSystemdUnit', path: 'documents/restart-systemd-unit.yaml' });
 * ```
 */
export const DocumentRefSchema = z.strictObject({
  name: z.string().regex(SSM_DOCUMENT_NAME, 'must be an SSM document name (letters, digits, _ - . : /; 3 to 128)'),
  path: z.string().min(1).max(512).optional(),
});

const SsmCommandActionSchema = z.strictObject({
  type: z.literal('ssm-command'),
  document: DocumentRefSchema,
  parameters: z.record(z.string(), DocumentParameterValue).default({}),
  maxConcurrency: z
    .string()
    .regex(/^([1-9][0-9]{0,5}|[1-9][0-9]?%|100%)$/, 'must be a count such as 5, or a percentage such as 10%')
    .optional(),
  maxErrors: z
    .string()
    .regex(/^([0-9]{1,6}|[0-9]{1,2}%|100%)$/, 'must be a count such as 1, or a percentage such as 10%')
    .optional(),
  timeoutSeconds: z.number().int().min(30).max(2_592_000).optional(),
  cloudWatchOutput: z.union([z.boolean(), z.strictObject({ logGroup: z.string().min(1).max(512) })]).optional(),
  comment: z.string().max(100).optional(),
});

const SsmAutomationActionSchema = z.strictObject({
  type: z.literal('ssm-automation'),
  document: DocumentRefSchema,
  parameters: z.record(z.string(), DocumentParameterValue).default({}),
  /** Role the automation assumes; the executor's `automationAssumeRoleArn` applies when absent. */
  assumeRole: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN')
    .optional(),
});

const LocalActionSchema = z.strictObject({
  type: z.literal('local'),
  argv: z.array(z.string().min(1).max(4_096)).min(1).max(64),
  env: z.record(z.string().regex(ENV_NAME, 'must be an environment variable name'), z.string().max(4_096)).default({}),
  cwd: z.string().min(1).max(512).optional(),
});

/**
 * What a runbook does: an SSM Run Command document, an SSM Automation document, or a local process
 * (argv, no shell; for development and the demo).
 *
 * @example
 * ```ts
 * import { RunbookActionSchema } from '@aiops/runbook-executor';
 * RunbookActionSchema.parse({ type: 'local', argv: ['systemctl', 'restart', '{{ service }}'] });
 * ```
 */
export const RunbookActionSchema = z.discriminatedUnion('type', [
  SsmCommandActionSchema,
  SsmAutomationActionSchema,
  LocalActionSchema,
]);
/**
 * See {@link RunbookActionSchema}.
 *
 * @example
 * ```ts
 * import type { RunbookAction } from '@aiops/runbook-executor';
 * const kind = (a: RunbookAction) => (a.type === 'local' ? a.argv[0] : a.document.name);
 * ```
 */
export type RunbookAction = z.output<typeof RunbookActionSchema>;

/**
 * How the target of a runbook is derived from its parameters. Exactly one key: `instanceIds`
 * (EC2 instance ids, at most 50), `tags` (instances with these tag values), `resourceGroup`, a
 * `service` name, or any named `resource` (an Auto Scaling group, a cache cluster). The target is
 * what cooldowns and idempotency keys are per, and what Run Command sends to.
 *
 * @example
 * ```ts
 * import { RunbookTargetSchema } from '@aiops/runbook-executor';
 * RunbookTargetSchema.parse({ tags: { Service: '{{ service }}', Environment: 'prod' } });
 * ```
 */
export const RunbookTargetSchema = z
  .strictObject({
    instanceIds: z.array(z.string().min(1).max(256)).min(1).max(50).optional(),
    tags: z.record(z.string().min(1).max(128), z.string().min(1).max(256)).optional(),
    resourceGroup: z.string().min(1).max(256).optional(),
    service: z.string().min(1).max(256).optional(),
    resource: z.string().min(1).max(256).optional(),
  })
  .superRefine((t, ctx) => {
    const keys = Object.keys(t).filter((k) => t[k as keyof typeof t] !== undefined);
    if (keys.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `needs exactly one of instanceIds, tags, resourceGroup, service, resource; got ${keys.length === 0 ? 'none' : keys.join(', ')}`,
      });
    }
    if (t.tags && (Object.keys(t.tags).length === 0 || Object.keys(t.tags).length > 5)) {
      ctx.addIssue({ code: 'custom', path: ['tags'], message: 'must have 1 to 5 tags' });
    }
  });
/**
 * See {@link RunbookTargetSchema}.
 *
 * @example
 * ```ts
 * import type { RunbookTarget } from '@aiops/runbook-executor';
 * const byTag: RunbookTarget = { tags: { Service: '{{ service }}' } };
 * ```
 */
export type RunbookTarget = z.output<typeof RunbookTargetSchema>;

const RollbackSchema = z.strictObject({
  /** The catalog runbook to run. */
  runbook: z.string().regex(RUNBOOK_ID, 'must be a runbook id'),
  /** Its parameters, as templates over this runbook's parameters. */
  parameters: z.record(z.string(), Scalar).default({}),
  /** When to roll back: the runbook failed, or it succeeded but the incident did not clear in time. */
  when: z
    .array(z.enum(['failed', 'unverified']))
    .min(1)
    .default(['failed', 'unverified']),
});

/**
 * What happens when the runbook fails or its verification does not pass: `escalate` (the
 * default: the pipeline tells people), or roll back with another catalog runbook, then escalate.
 *
 * @example
 * ```ts
 * import { OnFailureSchema } from '@aiops/runbook-executor';
 * OnFailureSchema.parse({ rollback: { runbook: 'rollback-deployment', parameters: { service: '{{ service }}' } } });
 * ```
 */
export const OnFailureSchema = z
  .union([
    z.literal('escalate'),
    z.strictObject({ escalate: z.literal(true).default(true), rollback: RollbackSchema.optional() }),
  ])
  .transform(
    (v): OnFailure => (v === 'escalate' || !v.rollback ? { escalate: true } : { escalate: true, rollback: v.rollback }),
  );
/**
 * A rollback runbook, see {@link OnFailureSchema}.
 *
 * @example
 * ```ts
 * import type { RollbackSpec } from '@aiops/runbook-executor';
 * const undo: RollbackSpec = { runbook: 'rollback-deployment', parameters: { service: '{{ service }}' }, when: ['unverified'] };
 * ```
 */
export type RollbackSpec = z.output<typeof RollbackSchema>;
/**
 * See {@link OnFailureSchema}.
 *
 * @example
 * ```ts
 * import type { OnFailure } from '@aiops/runbook-executor';
 * const fallback: OnFailure = { escalate: true, rollback: { runbook: 'restart-service', parameters: { service: '{{ service }}' }, when: ['failed'] } };
 * ```
 */
export interface OnFailure {
  readonly escalate: true;
  readonly rollback?: RollbackSpec;
}

// Strict copies of the core parameter schemas: a misspelt keyword (`patern`) must fail, not vanish.
const StrictParameterSchema = ParameterSchemaSchema.strict();
const StrictParametersSchema = ParametersSchemaSchema.extend({
  properties: z.record(z.string().regex(PARAMETER_NAME, 'parameter names must be identifiers'), StrictParameterSchema),
}).strict();

/**
 * A runbook as written in YAML, validated: identity and hints for analyzers, parameters (a
 * JSON-Schema subset) and where their values come from, the target, risk and approval, limits, the
 * action, verification and what to do on failure. Durations accept `90s`, `10m`, `1h`.
 *
 * @example
 * ```ts
 * import { RunbookSchema } from '@aiops/runbook-executor';
 * const runbook = RunbookSchema.parse({
 *   id: 'restart-service', title: 'Restart a service', risk: 'low',
 *   parameters: { type: 'object', required: ['service'], properties: { service: { type: 'string', pattern: '^[a-z-]{1,32}$' } } },
 *   target: { service: '{{ service }}' },
 *   action: { type: 'local', argv: ['systemctl', 'restart', '{{ service }}'] },
 *   verify: { within: '5m' },
 * });
 * runbook.cooldownMs; // 900000 (the default 15m)
 * ```
 */
export const RunbookSchema = z
  .strictObject({
    id: z.string().regex(RUNBOOK_ID, 'lower-case letters, digits and dashes, at most 64'),
    title: z.string().min(1).max(200),
    description: z.string().max(4_000).default(''),
    tags: z.array(z.string().min(1).max(64)).max(32).default([]),
    match: RunbookSummarySchema.shape.match.strict().default({}),
    owner: z.string().max(200).optional(),
    risk: z.enum(['low', 'medium', 'high']),
    approval: z.enum(['none', 'required']).default('none'),
    parameters: StrictParametersSchema.default({ type: 'object', properties: {} }),
    inputs: z
      .record(
        z.string(),
        z
          .array(z.string().regex(INPUT_SOURCE, 'must be proposal, incident.labels.<name> or finding.labels.<name>'))
          .min(1)
          .max(8),
      )
      .default({}),
    target: RunbookTargetSchema.optional(),
    cooldown: DurationSchema.default(15 * 60_000),
    maxRunsPerHour: z.number().int().positive().max(1_000).optional(),
    timeout: DurationSchema.default(10 * 60_000),
    action: RunbookActionSchema,
    verify: z.strictObject({ within: DurationSchema }).optional(),
    onFailure: OnFailureSchema.default({ escalate: true }),
  })
  .transform(({ cooldown, timeout, verify, ...rest }) => ({
    ...rest,
    cooldownMs: cooldown,
    timeoutMs: timeout,
    ...(verify ? { verify: { withinMs: verify.within } } : {}),
  }));
/**
 * A validated runbook. See {@link RunbookSchema}.
 *
 * @example
 * ```ts
 * import type { Runbook } from '@aiops/runbook-executor';
 * const needsHuman = (r: Runbook) => r.approval === 'required' || r.risk === 'high';
 * ```
 */
export type Runbook = z.output<typeof RunbookSchema>;
/**
 * A runbook as written, before defaults and durations are resolved.
 *
 * @example
 * ```ts
 * import type { RunbookInput } from '@aiops/runbook-executor';
 * const written: RunbookInput = { id: 'noop', title: 'Noop', risk: 'low', cooldown: '5m', action: { type: 'local', argv: ['true'] } };
 * ```
 */
export type RunbookInput = z.input<typeof RunbookSchema>;

/**
 * The read-only summary of a runbook that analyzers see (`RunbookSummary` of `@aiops/core`).
 *
 * @example
 * ```ts
 * import { RunbookSchema, toRunbookSummary } from '@aiops/runbook-executor';
 * const summary = toRunbookSummary(RunbookSchema.parse({
 *   id: 'noop', title: 'Nothing', risk: 'low', action: { type: 'local', argv: ['true'] },
 * }));
 * summary.approval; // 'none'
 * ```
 */
export function toRunbookSummary(runbook: Runbook): RunbookSummary {
  return {
    id: runbook.id,
    title: runbook.title,
    description: runbook.description,
    tags: [...runbook.tags],
    risk: runbook.risk,
    approval: runbook.approval,
    parameters: runbook.parameters,
    match: runbook.match,
  };
}
