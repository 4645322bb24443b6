import type { Analyzer, Logger, RunbookCatalogView } from '@aiops/core';
import type { BedrockRuntimeClient, BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { z } from 'zod';
import type { BedrockAnalyzerEvent } from './bedrock-events.js';
import type { InvestigationTool } from './investigation-tool.js';
import type { Redactor } from './redactor.js';
import type { TokenCounter } from './token-counter.js';

const fn = <T>(what: string, method: string) =>
  z.custom<T>(
    (v) => typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[method] === 'function',
    `expected ${what}`,
  );

/**
 * Options of `createBedrockAnalyzer`, with their defaults. Pass `client` (your
 * `BedrockRuntimeClient`, never destroyed by the analyzer) or `clientConfig` (the analyzer creates a
 * client over HTTP/1.1, with the SDK's own retries off since the analyzer retries, and destroys it on
 * `stop()`), never both.
 *
 * @example
 * ```ts
 * import { BedrockAnalyzerOptionsSchema } from '@aiops/llm-analyzer';
 * const opts = BedrockAnalyzerOptionsSchema.parse({ modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' });
 * opts.budget.maxInputTokens; // 12000
 * ```
 */
export const BedrockAnalyzerOptionsSchema = z
  .object({
    /** A Bedrock model id or inference profile that supports Converse tool use (see the README). */
    modelId: z.string().min(1),
    name: z.string().min(1).default('bedrock'),
    client: fn<BedrockRuntimeClient>('a BedrockRuntimeClient', 'send').optional(),
    clientConfig: z.custom<BedrockRuntimeClientConfig>((v) => typeof v === 'object' && v !== null).optional(),
    inference: z
      .object({
        maxTokens: z.number().int().min(256).max(8_192).default(1_500),
        temperature: z.number().min(0).max(1).default(0),
      })
      .prefault({}),
    /**
     * Force the `report_analysis` call with `toolChoice: { tool }`. Turn off for models that support
     * tool use but not forced tool choice: the analyzer then asks with `auto` and repairs prose.
     */
    forceToolChoice: z.boolean().default(true),
    budget: z
      .object({
        /** Most input tokens of one request: system prompt, tools, catalog, data, investigation results. */
        maxInputTokens: z.number().int().min(2_000).default(12_000),
        /** Part of it kept for investigation tool results (when tools are given). */
        investigationTokens: z.number().int().nonnegative().default(3_000),
        /** Most tokens of one tool result. */
        maxToolResultTokens: z.number().int().min(100).default(1_200),
      })
      .prefault({}),
    context: z
      .object({
        maxFindings: z.number().int().min(1).max(100).default(40),
        maxTemplates: z.number().int().min(1).default(20),
        maxSamplesPerTemplate: z.number().int().min(1).max(50).default(5),
        maxMetricPoints: z.number().int().nonnegative().max(500).default(60),
        maxHistory: z.number().int().nonnegative().max(20).default(5),
        maxRunbooks: z.number().int().min(1).default(40),
      })
      .prefault({}),
    /** Read-only tools the model may call before reporting, and how many rounds of calls. */
    investigation: z
      .object({
        tools: z.array(fn<InvestigationTool>('an InvestigationTool', 'run')).default([]),
        maxSteps: z.number().int().nonnegative().max(10).default(3),
      })
      .prefault({}),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(10).default(3),
        baseDelayMs: z.number().int().nonnegative().default(500),
        maxDelayMs: z.number().int().nonnegative().default(8_000),
      })
      .prefault({}),
    /** One model call's deadline; the step's own signal (the pipeline's timeout) also applies. */
    requestTimeoutMs: z.number().int().positive().default(60_000),
    circuitBreaker: z
      .object({
        failureThreshold: z.number().int().min(1).default(5),
        cooldownMs: z.number().int().positive().default(60_000),
      })
      .prefault({}),
    concurrency: z
      .object({
        maxConcurrent: z.number().int().min(1).default(4),
        maxQueued: z.number().int().nonnegative().default(100),
      })
      .prefault({}),
    /** Reuse the analysis of the same fingerprint, about the same findings, if younger than this. 0 turns reuse off. */
    reuseWithinMs: z
      .number()
      .int()
      .nonnegative()
      .default(15 * 60_000),
    /** How long past analyses stay in the store for similar-incident lookups. */
    historyRetentionMs: z
      .number()
      .int()
      .positive()
      .default(30 * 24 * 3_600_000),
    /** Prefix of the keys the analyzer writes in the step's store. */
    keyPrefix: z.string().min(1).default('llm-analyzer/'),
    /** See `Grounding`. */
    grounding: z.enum(['structured', 'evidence', 'off']).default('structured'),
    /** Only these catalog ids may be proposed (and offered to the model). */
    allowedRunbooks: z.array(z.string()).optional(),
    /** `offline`: when the model fails or never answers acceptably, the fallback analyzer answers. `none`: throw. */
    fallback: z.enum(['offline', 'none']).default('offline'),
    /** The analyzer that answers on fallback. Default: `createOfflineAnalyzer()`. */
    fallbackAnalyzer: fn<Analyzer>('an Analyzer', 'analyze').optional(),
    /** Used when a request brings no catalog. */
    catalog: fn<RunbookCatalogView>('a RunbookCatalogView', 'list').optional(),
    redactor: fn<Redactor>('a Redactor', 'redact').optional(),
    tokenCounter: fn<TokenCounter>('a TokenCounter', 'count').optional(),
    logger: fn<Logger>('a Logger', 'debug').optional(),
    /** Called with each {@link BedrockAnalyzerEvent}; errors it throws are ignored. */
    onEvent: z.custom<(event: BedrockAnalyzerEvent) => void>((v) => typeof v === 'function').optional(),
  })
  .refine((o) => !(o.client && o.clientConfig), {
    message: 'pass either client or clientConfig, not both',
    path: ['clientConfig'],
  });

type Schema = z.input<typeof BedrockAnalyzerOptionsSchema>;

/**
 * Options of `createBedrockAnalyzer`: see {@link BedrockAnalyzerOptionsSchema}. `client` and
 * `clientConfig` exclude each other.
 *
 * @example
 * ```ts
 * import type { BedrockAnalyzerOptions } from '@aiops/llm-analyzer';
 * const opts: BedrockAnalyzerOptions = { modelId: 'amazon.nova-pro-v1:0', clientConfig: { region: 'us-east-1' } };
 * ```
 */
export type BedrockAnalyzerOptions = Omit<Schema, 'client' | 'clientConfig'> &
  (
    | { readonly client: BedrockRuntimeClient; readonly clientConfig?: never }
    | { readonly client?: never; readonly clientConfig?: BedrockRuntimeClientConfig }
  );

/**
 * Options of `createBedrockAnalyzer` after defaults were applied.
 *
 * @example
 * ```ts
 * import { BedrockAnalyzerOptionsSchema, type ResolvedBedrockAnalyzerOptions } from '@aiops/llm-analyzer';
 * const resolved: ResolvedBedrockAnalyzerOptions = BedrockAnalyzerOptionsSchema.parse({ modelId: 'amazon.nova-pro-v1:0' });
 * resolved.retry.maxAttempts; // 3
 * ```
 */
export type ResolvedBedrockAnalyzerOptions = z.output<typeof BedrockAnalyzerOptionsSchema>;
