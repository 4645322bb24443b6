import type { IncidentRef } from '@aiops/core';
import type { CircuitState } from './circuit-breaker.js';

/**
 * What the Bedrock analyzer reports through `onEvent`, for metrics and audit:
 *
 * | type | when |
 * | --- | --- |
 * | `analysis.completed` | an analysis was returned: by the model, reused, or by the fallback (with the reason); token usage per incident |
 * | `proposal.refused` | a proposal failed the guard (not in the catalog, schema, metacharacters, grounding) or the reply was invalid; nothing of it runs |
 * | `model.retry` | a model call failed with a retryable error and will be tried again |
 * | `circuit.changed` | the circuit breaker opened, half-opened or closed |
 *
 * @example
 * ```ts
 * import type { BedrockAnalyzerEvent } from '@aiops/llm-analyzer';
 * function onEvent(e: BedrockAnalyzerEvent) {
 *   if (e.type === 'analysis.completed') console.log(e.incident.fingerprint, e.usage.inputTokens, e.source);
 * }
 * ```
 */
export type BedrockAnalyzerEvent =
  | {
      readonly type: 'analysis.completed';
      readonly incident: IncidentRef;
      readonly source: 'model' | 'reused' | 'fallback';
      readonly model: string;
      readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
      readonly calls: number;
      readonly toolCalls: number;
      readonly repaired: boolean;
      readonly contextTokens: number;
      readonly truncated: readonly string[];
      readonly durationMs: number;
      readonly fallbackReason?: string;
    }
  | {
      readonly type: 'proposal.refused';
      readonly incident: IncidentRef;
      readonly reason: string;
      /** The runbook id the model asked for, when it named one. */
      readonly runbookId?: string;
    }
  | {
      readonly type: 'model.retry';
      readonly incident: IncidentRef;
      readonly attempt: number;
      readonly delayMs: number;
      readonly code: string;
      readonly message: string;
    }
  | { readonly type: 'circuit.changed'; readonly state: CircuitState };
