import { z } from 'zod';

/**
 * One parameter of a runbook: the JSON-Schema subset runbooks may use.
 *
 * @example
 * ```ts
 * import { ParameterSchemaSchema } from '@aiops/core';
 * ParameterSchemaSchema.parse({ type: 'string', pattern: '^[a-z0-9-]{1,64}$', description: 'service name' });
 * ```
 */
export const ParameterSchemaSchema = z.object({
  type: z.enum(['string', 'integer', 'number', 'boolean']),
  description: z.string().optional(),
  enum: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
  pattern: z.string().optional(),
  minLength: z.number().int().nonnegative().optional(),
  maxLength: z.number().int().nonnegative().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
});
/**
 * See {@link ParameterSchemaSchema}.
 *
 * @example
 * ```ts
 * import type { ParameterSchema } from '@aiops/core';
 * const replicas: ParameterSchema = {
 *   type: 'integer', minimum: 1, maximum: 20, default: 2, description: 'desired task count',
 * };
 * ```
 */
export type ParameterSchema = z.infer<typeof ParameterSchemaSchema>;

/**
 * The parameters of a runbook as a JSON-Schema object.
 *
 * @example
 * ```ts
 * import { ParametersSchemaSchema } from '@aiops/core';
 * ParametersSchemaSchema.parse({
 *   type: 'object', required: ['service'],
 *   properties: { service: { type: 'string', pattern: '^[a-z-]+$' } },
 * });
 * ```
 */
export const ParametersSchemaSchema = z.object({
  type: z.literal('object'),
  properties: z.record(z.string(), ParameterSchemaSchema),
  required: z.array(z.string()).optional(),
  additionalProperties: z.literal(false).optional(),
});
/**
 * See {@link ParametersSchemaSchema}.
 *
 * @example
 * ```ts
 * import { compileParameters, type ParametersSchema } from '@aiops/core';
 * const schema: ParametersSchema = {
 *   type: 'object', required: ['service'], additionalProperties: false,
 *   properties: { service: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' } },
 * };
 * compileParameters(schema)({ service: 'checkout' }).ok; // true
 * ```
 */
export type ParametersSchema = z.infer<typeof ParametersSchemaSchema>;

/**
 * What analyzers may know of a runbook: id, description, parameter schema and match hints. Shared
 * by `@aiops/llm-analyzer` (to propose) and `@aiops/runbook-executor` (which owns the full runbook).
 *
 * @example
 * ```ts
 * import { RunbookSummarySchema } from '@aiops/core';
 * RunbookSummarySchema.parse({
 *   id: 'restart-service', title: 'Restart a service', description: 'Restarts the service process',
 *   tags: ['restart'], risk: 'low', approval: 'none',
 *   parameters: { type: 'object', properties: { service: { type: 'string' } }, required: ['service'] },
 *   match: { kinds: ['error-rate-spike'] },
 * });
 * ```
 */
export const RunbookSummarySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes, at most 64'),
  title: z.string().min(1),
  description: z.string(),
  tags: z.array(z.string()),
  risk: z.enum(['low', 'medium', 'high']),
  approval: z.enum(['none', 'required']),
  parameters: ParametersSchemaSchema,
  match: z.object({
    kinds: z.array(z.string()).optional(),
    detectors: z.array(z.string()).optional(),
    /** Glob-like patterns (`*` wildcard) over series keys, log groups, alarm names, services. */
    series: z.array(z.string()).optional(),
    logGroups: z.array(z.string()).optional(),
    alarmNames: z.array(z.string()).optional(),
    services: z.array(z.string()).optional(),
    /** Words that, found in evidence, make this runbook more likely. */
    keywords: z.array(z.string()).optional(),
  }),
});
/**
 * See {@link RunbookSummarySchema}.
 *
 * @example
 * ```ts
 * import type { RunbookSummary } from '@aiops/core';
 * const restart: RunbookSummary = {
 *   id: 'restart-service', title: 'Restart a service', description: 'Restarts the service process',
 *   tags: ['restart'], risk: 'low', approval: 'none',
 *   parameters: { type: 'object', properties: { service: { type: 'string' } }, required: ['service'] },
 *   match: { kinds: ['error-rate-spike'], keywords: ['connection pool'] },
 * };
 * const forKind = (runbooks: readonly RunbookSummary[], kind: string) =>
 *   runbooks.filter((r) => r.match.kinds?.includes(kind));
 * forKind([restart], 'error-rate-spike'); // [restart]
 * ```
 */
export type RunbookSummary = z.infer<typeof RunbookSummarySchema>;

/**
 * The read-only view of a runbook catalog that analyzers see.
 *
 * @example
 * ```ts
 * import type { RunbookCatalogView, RunbookSummary } from '@aiops/core';
 * function staticCatalog(runbooks: RunbookSummary[]): RunbookCatalogView {
 *   return { list: () => runbooks, get: (id) => runbooks.find((r) => r.id === id) };
 * }
 * ```
 */
export interface RunbookCatalogView {
  list(): readonly RunbookSummary[];
  get(id: string): RunbookSummary | undefined;
}
