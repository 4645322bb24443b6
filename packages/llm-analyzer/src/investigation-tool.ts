import type { Clock, Incident, StateStore } from '@aiops/core';
import type { z } from 'zod';
import type { AnalysisMemory } from './analysis-memory.js';
import type { IncidentFacts } from './incident-facts.js';

/**
 * What an investigation tool gets besides its input: the incident and its facts, the step's abort
 * signal, clock and store, and the analyzer's memory of past incidents.
 *
 * @example
 * ```ts
 * import type { InvestigationContext } from '@aiops/llm-analyzer';
 * const service = (ctx: InvestigationContext) => ctx.incident.labels.service;
 * ```
 */
export interface InvestigationContext {
  readonly incident: Incident;
  readonly facts: IncidentFacts;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly store: StateStore;
  readonly memory: AnalysisMemory;
}

/**
 * A read-only tool the model may call before it reports: it looks something up and returns plain
 * JSON, which the analyzer redacts and truncates to its token budget before the model sees it. A
 * tool must not change anything: the model is untrusted, and so is every input it sends. Throw an
 * `Error` to answer the model with an error result; the message is shown to it.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineInvestigationTool } from '@aiops/llm-analyzer';
 * const openIncidents = defineInvestigationTool({
 *   name: 'service_owner',
 *   description: 'Who owns a service, from the service registry.',
 *   input: z.object({ service: z.string().max(64) }),
 *   async run({ service }) {
 *     return { service, owner: 'team-payments' };
 *   },
 * });
 * ```
 */
export interface InvestigationTool<I = unknown> {
  /** Lower-case letters, digits and underscores; not `report_analysis`. */
  readonly name: string;
  readonly description: string;
  /** Validates what the model sends; its JSON Schema (`z.toJSONSchema`) is what the model sees. */
  readonly input: z.ZodType<I>;
  run(input: I, ctx: InvestigationContext): Promise<unknown>;
}

/**
 * Identity helper that types an {@link InvestigationTool} from its input schema.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineInvestigationTool } from '@aiops/llm-analyzer';
 * const now = defineInvestigationTool({
 *   name: 'current_time', description: 'The current time.', input: z.object({}),
 *   async run(_input, ctx) { return { now: new Date(ctx.clock.now()).toISOString() }; },
 * });
 * ```
 */
export function defineInvestigationTool<I>(tool: InvestigationTool<I>): InvestigationTool<I> {
  return tool;
}
