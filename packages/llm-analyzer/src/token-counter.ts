import { parseOptions } from '@aiops/core';
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { z } from 'zod';

/**
 * Counts the tokens a text costs a model. Budgets compare these counts with their limits, so a
 * counter should err on the high side.
 *
 * @example
 * ```ts
 * import type { TokenCounter } from '@aiops/llm-analyzer';
 * const byWords: TokenCounter = { name: 'words', count: (text) => Math.ceil(text.split(/\s+/).length * 1.6) };
 * ```
 */
export interface TokenCounter {
  readonly name: string;
  count(text: string): number;
}

/**
 * Options of {@link createTokenCounter}.
 *
 * @example
 * ```ts
 * import type { TokenCounterOptions } from '@aiops/llm-analyzer';
 * const opts: TokenCounterOptions = { safetyFactor: 1.3 };
 * ```
 */
export const TokenCounterOptionsSchema = z.object({
  /**
   * Multiplies the BPE count. Models on Bedrock use their own tokenizers, which are not public for
   * every model; their counts for English and log text run up to about 20% above cl100k's, hence 1.25.
   */
  safetyFactor: z.number().min(1).max(4).default(1.25),
});
/**
 * Options of {@link createTokenCounter}, see {@link TokenCounterOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { TokenCounterOptions } from '@aiops/llm-analyzer';
 * const exact: TokenCounterOptions = { safetyFactor: 1 };
 * ```
 */
export type TokenCounterOptions = z.input<typeof TokenCounterOptionsSchema>;

const NO_SPECIAL = { disallowedSpecial: new Set<string>() };

/**
 * The default counter: the cl100k_base byte-pair encoding (`gpt-tokenizer`, which ships its data in
 * the package: nothing is downloaded), times a safety factor. Special-token text such as
 * `<|endoftext|>` in a log line counts as plain text instead of throwing.
 *
 * @example
 * ```ts
 * import { createTokenCounter } from '@aiops/llm-analyzer';
 * const counter = createTokenCounter();
 * counter.count('GET /cart 503 12ms'); // 10
 * ```
 */
export function createTokenCounter(options: TokenCounterOptions = {}): TokenCounter {
  const { safetyFactor } = parseOptions(TokenCounterOptionsSchema, options, 'createTokenCounter');
  return {
    name: `cl100k_base x${safetyFactor}`,
    count: (text) => (text.length === 0 ? 0 : Math.ceil(countTokens(text, NO_SPECIAL) * safetyFactor)),
  };
}

/**
 * A counter that needs no tokenizer: one token per three characters, rounded up. It overestimates
 * English prose (about four characters a token) but can fall below the real count on text dense in
 * hex ids and UUIDs (about two characters a token): give budgets a margin when you use it.
 *
 * @example
 * ```ts
 * import { charEstimateCounter } from '@aiops/llm-analyzer';
 * charEstimateCounter.count('abcdef'); // 2
 * ```
 */
export const charEstimateCounter: TokenCounter = Object.freeze({
  name: 'chars/3',
  count: (text: string) => Math.ceil(text.length / 3),
});
