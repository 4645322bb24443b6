import { z } from 'zod';

/**
 * Options of {@link createTemplateMiner}. The defaults are one configuration for every system: no
 * per-dataset masks or thresholds.
 *
 * @example
 * ```ts
 * import { TemplateMinerOptionsSchema } from '@aiops/detectors';
 * TemplateMinerOptionsSchema.parse({}).similarityThreshold; // 0.5
 * ```
 */
export const TemplateMinerOptionsSchema = z.object({
  /** Share of a template's constant tokens a message must match to join it. */
  similarityThreshold: z.number().gt(0).max(1).default(0.5),
  /** Depth of the parse tree: the token count, then `depth - 2` leading tokens route a message. */
  depth: z.number().int().min(3).max(8).default(4),
  /** Children per tree node before new tokens share a wildcard child. */
  maxChildren: z.number().int().min(2).default(100),
  /** Most templates kept; past it the least recently matched one is dropped (and counted). */
  maxTemplates: z.number().int().positive().default(10_000),
  /** Exact masked messages remembered for a fast match. */
  cacheSize: z.number().int().nonnegative().default(100_000),
});
/**
 * See {@link TemplateMinerOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { TemplateMinerOptions } from '@aiops/detectors';
 * const options: TemplateMinerOptions = { maxTemplates: 1_000 };
 * ```
 */
export type TemplateMinerOptions = z.input<typeof TemplateMinerOptionsSchema>;

/**
 * One mined template: `<*>` or a typed placeholder (`<NUM>`, `<IP>`...) where messages vary.
 *
 * @example
 * ```ts
 * import type { LogTemplate } from '@aiops/detectors';
 * const show = (t: LogTemplate) => `${t.id}: ${t.template} (${t.count})`;
 * ```
 */
export interface LogTemplate {
  /** Stable for the life of the template (and across snapshot / restore). */
  readonly id: number;
  readonly template: string;
  readonly tokens: readonly string[];
  /** Messages matched so far. */
  readonly count: number;
}

/**
 * What {@link TemplateMiner.add} did with a message: the template it joined, and whether that
 * template is `new`, was `updated` (a position became a wildcard), or is unchanged (`none`).
 *
 * @example
 * ```ts
 * import type { MineResult } from '@aiops/detectors';
 * const isNew = (r: MineResult) => r.change === 'new';
 * ```
 */
export interface MineResult {
  readonly template: LogTemplate;
  readonly change: 'new' | 'updated' | 'none';
}

/**
 * The JSON state of a template miner.
 *
 * @example
 * ```ts
 * import { createTemplateMiner, type TemplateMinerState } from '@aiops/detectors';
 * const state: TemplateMinerState = createTemplateMiner().snapshot();
 * createTemplateMiner().restore(JSON.parse(JSON.stringify(state)));
 * ```
 */
export interface TemplateMinerState {
  readonly version: 1;
  readonly nextId: number;
  readonly lines: number;
  readonly evicted: number;
  /** `[id, tokens, count, route]` per template, least recently used first. */
  readonly templates: readonly (readonly [number, readonly string[], number, readonly string[]])[];
  /** The exact-match cache, `[key, template id]`, so a restored miner assigns lines exactly as before. */
  readonly cache: readonly (readonly [number, number])[];
}

/**
 * A streaming log template miner in the manner of Drain (He et al., ICWS 2017): variable tokens
 * are masked with typed placeholders, a fixed-depth tree routes a message by its token count and
 * first tokens to a few candidate templates, and it joins the most similar one if it is similar
 * enough (positions that differ become `<*>`), else starts a new template. Bounded: at most
 * `maxTemplates` templates, least recently used dropped first.
 *
 * @example
 * ```ts
 * import { createTemplateMiner, type TemplateMiner } from '@aiops/detectors';
 * const miner: TemplateMiner = createTemplateMiner();
 * miner.add('user 42 logged in');
 * ```
 */
export interface TemplateMiner {
  /** Learns from one message and returns its template. */
  add(message: string): MineResult;
  /** The template a message would join, without learning; `undefined` when none is similar enough. */
  match(message: string): LogTemplate | undefined;
  /** The values of a message at its template's variable positions (the original text). */
  parameters(template: LogTemplate, message: string): string[];
  /** Every template, most matched first. */
  templates(): LogTemplate[];
  stats(): { readonly templates: number; readonly lines: number; readonly evicted: number };
  snapshot(): TemplateMinerState;
  restore(state: TemplateMinerState): void;
}
