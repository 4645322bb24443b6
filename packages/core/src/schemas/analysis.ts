import { z } from 'zod';
import { EpochMsSchema, SeveritySchema } from './common.js';
import { IncidentRefSchema } from './incident.js';

/**
 * A runbook the analyzer proposes, with parameters. Only a proposal: the executor checks the id
 * against the catalog and the parameters against the runbook's schema before anything runs.
 *
 * @example
 * ```ts
 * import { ProposedActionSchema } from '@aiops/core';
 * ProposedActionSchema.parse({
 *   runbookId: 'restart-service', parameters: { service: 'checkout' },
 *   rationale: 'errors began after the worker pool exhausted its connections',
 * });
 * ```
 */
export const ProposedActionSchema = z.object({
  runbookId: z.string().min(1),
  parameters: z.record(z.string(), z.unknown()),
  rationale: z.string(),
});
/**
 * See {@link ProposedActionSchema}.
 *
 * @example
 * ```ts
 * import { compileParameters, type ProposedAction, type RunbookSummary } from '@aiops/core';
 * // A proposal is only a suggestion: check it against the runbook it names before planning anything.
 * function acceptable(proposal: ProposedAction, runbook: RunbookSummary): boolean {
 *   return proposal.runbookId === runbook.id && compileParameters(runbook.parameters)(proposal.parameters).ok;
 * }
 * ```
 */
export type ProposedAction = z.infer<typeof ProposedActionSchema>;

/**
 * What an analyzer concludes about an incident: a summary, the probable cause, how sure, how severe,
 * which evidence supports it, and at most one proposed runbook.
 *
 * @example
 * ```ts
 * import { AnalysisSchema } from '@aiops/core';
 * AnalysisSchema.parse({
 *   incident: { fingerprint: 'a1b2c3d4e5f60718', epoch: 1 }, analyzer: 'offline',
 *   summary: 'checkout returns 503 on 38% of requests', probableCause: 'a stuck worker pool',
 *   confidence: 0.8, severity: 'high', evidence: ['finding:0'], proposedAction: null, createdAt: Date.now(),
 * });
 * ```
 */
export const AnalysisSchema = z.object({
  incident: IncidentRefSchema,
  /** Name of the analyzer that answered. */
  analyzer: z.string().min(1),
  /** Model id, when a model answered. */
  model: z.string().optional(),
  summary: z.string().min(1),
  probableCause: z.string(),
  confidence: z.number().min(0).max(1),
  severity: SeveritySchema,
  /** References into the context the analyzer saw, e.g. `finding:0`, `template:3`. */
  evidence: z.array(z.string()).max(50),
  proposedAction: ProposedActionSchema.nullable(),
  /** Set when another analyzer answered because the configured one failed. */
  fallback: z.object({ from: z.string(), reason: z.string() }).optional(),
  /** Proposals the analyzer refused (outside the catalog, parameters failing the schema...), with why. */
  refused: z
    .array(z.object({ runbookId: z.string().optional(), reason: z.string() }))
    .max(20)
    .optional(),
  usage: z
    .object({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() })
    .optional(),
  createdAt: EpochMsSchema,
});
/**
 * See {@link AnalysisSchema}.
 *
 * @example
 * ```ts
 * import type { Analysis } from '@aiops/core';
 * function headline(a: Analysis): string {
 *   const action = a.proposedAction ? `; proposes ${a.proposedAction.runbookId}` : '';
 *   return `${a.summary} (probable cause: ${a.probableCause}, ${Math.round(a.confidence * 100)}% sure${action})`;
 * }
 * ```
 */
export type Analysis = z.infer<typeof AnalysisSchema>;
