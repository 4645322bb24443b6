import type { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { LoggerOption } from './option-schemas.js';
import { SsmClientOptionSchema } from './ssm-client.js';

/** Tuning shared by the Run Command and Automation drivers. */
export const SsmTuningSchema = z.object({
  /** Between two status polls. */
  pollIntervalMs: z.number().int().positive().default(2_000),
  /** How long `InvocationDoesNotExist` right after SendCommand counts as "not there yet". */
  invocationGraceMs: z.number().int().positive().default(30_000),
  /** Sync documents kept beside runbooks to SSM before use (off: they must exist already). */
  syncDocuments: z.boolean().default(true),
  /** Instances whose output is collected. */
  maxOutputInstances: z.number().int().positive().default(10),
  /** Output kept per run. */
  maxOutputBytes: z
    .number()
    .int()
    .positive()
    .default(32 * 1024),
  /** Role automations assume when the runbook names none. */
  automationAssumeRoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN')
    .optional(),
  /** Limit on the CancelCommand / StopAutomationExecution call made on abort. */
  cancelTimeoutMs: z.number().int().positive().default(10_000),
  logger: LoggerOption.optional(),
});

/** Options of the SSM drivers: the client (or its config) and tuning. */
export const SsmDriverOptionsSchema = z.intersection(SsmClientOptionSchema, SsmTuningSchema);

/**
 * Options of {@link createSsmCommandDriver} and {@link createSsmAutomationDriver}: an injected
 * `client` or a `clientConfig`, never both, and tuning.
 *
 * @example
 * ```ts
 * import type { SsmDriverOptions } from '@aiops/runbook-executor';
 * const o: SsmDriverOptions = { clientConfig: { region: 'eu-west-1' }, pollIntervalMs: 5_000 };
 * ```
 */
export type SsmDriverOptions = z.input<typeof SsmTuningSchema> &
  (
    | { readonly client: SSMClient; readonly clientConfig?: never }
    | { readonly client?: never; readonly clientConfig: SSMClientConfig }
  );
/** Resolved tuning. */
export type SsmTuning = z.output<typeof SsmTuningSchema>;
