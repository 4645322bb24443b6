import { AnalysisSchema, type ConfigIssue, toIssues } from '@aiops/core';
import type { Tool } from '@aws-sdk/client-bedrock-runtime';
import { z } from 'zod';

/**
 * Name of the tool through which the model answers.
 *
 * @example
 * ```ts
 * import { REPORT_TOOL_NAME } from '@aiops/llm-analyzer';
 * const forced = { tool: { name: REPORT_TOOL_NAME } };
 * ```
 */
export const REPORT_TOOL_NAME = 'report_analysis';

const Scalar = z.union([z.string().max(1_024), z.number(), z.boolean()]);

/**
 * The zod schema of what the model must put in a `report_analysis` call, derived from core's
 * `AnalysisSchema` (summary, probable cause, confidence, severity, evidence) with a proposed action
 * whose `runbookId` is an enum of the offered runbook ids. With no runbooks offered, the only
 * possible action is `null`. Unknown fields are refused everywhere: there is no place for a command.
 *
 * @example
 * ```ts
 * import { reportSchema } from '@aiops/llm-analyzer';
 * const schema = reportSchema(['restart-service']);
 * schema.safeParse({ summary: 's', probableCause: 'c', confidence: 0.5, severity: 'low', evidence: [],
 *   proposedAction: { runbookId: 'rm-rf', parameters: {}, rationale: '' } }).success; // false
 * ```
 */
export function reportSchema(runbookIds: readonly string[]) {
  const [first, ...rest] = runbookIds;
  const action =
    first === undefined
      ? z.null()
      : z
          .object({
            runbookId: z.enum([first, ...rest]).describe('id of one runbook of the catalog'),
            parameters: z
              .record(z.string().max(64), Scalar)
              .describe("values for the chosen runbook's parameters; they must satisfy its parameter schema"),
            rationale: z.string().max(1_000).describe('why this runbook, in one or two sentences'),
          })
          .strict()
          .nullable();
  const base = AnalysisSchema.shape;
  return z
    .object({
      summary: base.summary.max(1_000).describe('what is happening, for an on-call engineer, in two sentences'),
      probableCause: base.probableCause.max(1_000).describe('the most likely cause, citing evidence'),
      confidence: base.confidence.describe('0 to 1: how sure you are of the probable cause'),
      severity: base.severity,
      evidence: z
        .array(z.string().max(40))
        .max(20)
        .describe('refs of the data lines that support the cause, e.g. "finding:0", "template:2"'),
      proposedAction: action.describe('one runbook to run, or null when no runbook fits or evidence is weak'),
    })
    .strict();
}

/**
 * What a valid `report_analysis` call holds.
 *
 * @example
 * ```ts
 * import type { Report } from '@aiops/llm-analyzer';
 * const proposes = (r: Report) => r.proposedAction !== null;
 * ```
 */
export type Report = z.infer<ReturnType<typeof reportSchema>>;

/**
 * The Bedrock tool specification of `report_analysis`, its input schema generated from
 * {@link reportSchema} with `z.toJSONSchema`.
 *
 * @example
 * ```ts
 * import { reportTool } from '@aiops/llm-analyzer';
 * const tool = reportTool(['restart-service', 'scale-out-asg']);
 * tool.toolSpec?.name; // 'report_analysis'
 * ```
 */
export function reportTool(runbookIds: readonly string[]): Tool {
  const { $schema: _drop, ...json } = z.toJSONSchema(reportSchema(runbookIds)) as Record<string, unknown>;
  return {
    toolSpec: {
      name: REPORT_TOOL_NAME,
      description:
        'Report your analysis of the incident. Call it exactly once. proposedAction may only name a runbook ' +
        'from the catalog, with parameters that satisfy its schema; use null when unsure.',
      inputSchema: { json: json as never },
    },
  };
}

/**
 * Checks a `report_analysis` input against {@link reportSchema}.
 *
 * @example
 * ```ts
 * import { parseReport } from '@aiops/llm-analyzer';
 * parseReport({}, ['restart-service']).ok; // false
 * ```
 */
export function parseReport(
  input: unknown,
  runbookIds: readonly string[],
): { ok: true; report: Report } | { ok: false; issues: ConfigIssue[] } {
  const res = reportSchema(runbookIds).safeParse(input);
  return res.success ? { ok: true, report: res.data } : { ok: false, issues: toIssues(res.error) };
}
