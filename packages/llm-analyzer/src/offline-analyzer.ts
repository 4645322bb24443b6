import {
  type Analysis,
  type AnalysisRequest,
  type Analyzer,
  LoggerSchema,
  parseOptions,
  type RunbookCatalogView,
  type StepContext,
  silentLogger,
} from '@aiops/core';
import { z } from 'zod';
import { describeIncident } from './describe-incident.js';
import { type IncidentFacts, incidentFacts } from './incident-facts.js';
import { fillParameters } from './parameter-filler.js';
import { checkProposal } from './proposal-guard.js';
import { createRedactor, type Redactor } from './redactor.js';
import { type RunbookScore, rankRunbooks } from './runbook-ranker.js';

const catalogView = z.custom<RunbookCatalogView>(
  (v) => typeof v === 'object' && v !== null && typeof (v as RunbookCatalogView).list === 'function',
  'expected a RunbookCatalogView (list, get)',
);

/**
 * Options of {@link createOfflineAnalyzer}.
 *
 * @example
 * ```ts
 * import type { OfflineAnalyzerOptions } from '@aiops/llm-analyzer';
 * const opts: OfflineAnalyzerOptions = { minScore: 4, allowedRunbooks: ['restart-service'] };
 * ```
 */
export const OfflineAnalyzerOptionsSchema = z.object({
  name: z.string().min(1).default('offline'),
  /** Least ranking score (hints plus 4 × relative BM25) a runbook needs to be proposed. */
  minScore: z.number().nonnegative().default(4),
  /** Least strength of evidence (highest finding score, cut to 30% when nothing is firing) to propose anything. */
  minEvidence: z.number().min(0).max(1).default(0.5),
  /**
   * Where parameter values may come from. `evidence` (default): structured fields first (labels,
   * dimensions, series keys, alarm and log group names); a value from log text only when no
   * structured field has one and at least two distinct evidence lines agree on it. `structured`:
   * never from text, which whoever writes a log line controls. See `Grounding`.
   */
  grounding: z.enum(['structured', 'evidence']).default('evidence'),
  /** Only these catalog ids may be proposed. */
  allowedRunbooks: z.array(z.string()).optional(),
  /** Used when a request brings no catalog. */
  catalog: catalogView.optional(),
  /** Applied to the summary, cause and rationale, which quote evidence and go to people. Default: {@link createRedactor}(). */
  redactor: z
    .custom<Redactor>((v) => typeof (v as Redactor | null)?.redact === 'function', 'expected a Redactor')
    .optional(),
  logger: LoggerSchema.optional(),
});
/**
 * Options of {@link createOfflineAnalyzer}, see {@link OfflineAnalyzerOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { OfflineAnalyzerOptions } from '@aiops/llm-analyzer';
 * const strict: OfflineAnalyzerOptions = { grounding: 'structured', minEvidence: 0.7 };
 * ```
 */
export type OfflineAnalyzerOptions = z.input<typeof OfflineAnalyzerOptionsSchema>;

/**
 * The offline analyzer, which also answers `explain` for tests and the bench: the ranking behind its
 * choice.
 *
 * @example
 * ```ts
 * import type { OfflineAnalyzer } from '@aiops/llm-analyzer';
 * const top = (a: OfflineAnalyzer, r: Parameters<OfflineAnalyzer['explain']>[0]) => a.explain(r)[0]?.runbook.id;
 * ```
 */
export interface OfflineAnalyzer extends Analyzer {
  /** The runbooks ranked against the request's incident, best first. */
  explain(request: AnalysisRequest): RunbookScore[];
}

/**
 * Creates the analyzer that needs no model: the default when none is configured and the fallback
 * when the model fails. It matches the incident's evidence to the catalog through the runbooks'
 * match hints and BM25 retrieval over their descriptions, fills the parameters from the evidence,
 * passes the proposal through the same guard as a model's, and writes a plain-language summary with
 * a confidence that follows the strength of the evidence and the margin of the match.
 *
 * @example
 * ```ts
 * import { createOfflineAnalyzer } from '@aiops/llm-analyzer';
 * import { createStepContext, makeIncident, makeRunbookSummary, staticCatalog } from '@aiops/testing';
 * const analyzer = createOfflineAnalyzer();
 * const analysis = await analyzer.analyze(
 *   { incident: makeIncident(), catalog: staticCatalog([makeRunbookSummary()]) }, createStepContext('a:1'));
 * analysis.proposedAction?.runbookId; // 'restart-service'
 * ```
 */
export function createOfflineAnalyzer(options: OfflineAnalyzerOptions = {}): OfflineAnalyzer {
  const opts = parseOptions(OfflineAnalyzerOptionsSchema, options, 'createOfflineAnalyzer');
  const logger = opts.logger ?? silentLogger;
  const redactor = opts.redactor ?? createRedactor();
  const catalogOf = (r: AnalysisRequest) => r.catalog ?? opts.catalog;
  const explain = (request: AnalysisRequest): RunbookScore[] => {
    const runbooks = catalogOf(request)?.list() ?? [];
    const allowed = opts.allowedRunbooks ? runbooks.filter((r) => opts.allowedRunbooks!.includes(r.id)) : runbooks;
    return rankRunbooks(allowed, incidentFacts(request.incident));
  };
  return {
    name: opts.name,
    explain,
    async analyze(request: AnalysisRequest, ctx: StepContext): Promise<Analysis> {
      const { incident } = request;
      const facts = incidentFacts(incident);
      const ranked = explain(request);
      const strength = facts.firing > 0 ? facts.maxScore : facts.maxScore * 0.3;
      const chosen = strength >= opts.minEvidence ? choose(ranked, facts, request, opts) : undefined;
      const choice = chosen && 'proposal' in chosen ? chosen : undefined;
      const described = describeIncident(incident, facts);
      let confidence: number;
      let probableCause: string;
      if (choice) {
        const second = ranked.find((s) => s.runbook.id !== choice.score.runbook.id);
        const fit = choice.score.total / (choice.score.total + 4);
        const margin = second ? Math.max(0, (choice.score.total - second.total) / choice.score.total) : 1;
        confidence = clamp(strength * (0.45 * fit + 0.35 * margin + 0.2));
        probableCause = `${described.cause} The evidence fits runbook "${choice.score.runbook.id}" (${choice.score.matched.join(', ') || 'description match'}).`;
      } else {
        confidence = clamp(0.25 * strength + 0.1);
        probableCause =
          strength < opts.minEvidence
            ? `${described.cause} The evidence is too weak to act on (strength ${strength.toFixed(2)}).`
            : `${described.cause} ${chosen && 'reason' in chosen ? chosen.reason : 'No runbook of the catalog fits.'}`;
      }
      logger.debug('offline analysis', {
        fingerprint: incident.fingerprint,
        proposal: choice?.score.runbook.id ?? null,
      });
      return {
        incident: { fingerprint: incident.fingerprint, epoch: incident.epoch },
        analyzer: opts.name,
        summary: redactor.redact(described.summary),
        probableCause: redactor.redact(probableCause),
        confidence: Math.round(confidence * 100) / 100,
        severity: incident.severity,
        evidence: described.evidence,
        proposedAction: choice ? { ...choice.proposal, rationale: redactor.redact(choice.proposal.rationale) } : null,
        createdAt: ctx.clock.now(),
      };
    },
  };
}

type Choice = { score: RunbookScore; proposal: NonNullable<Analysis['proposedAction']> };

/**
 * Lines that blame something outside the service: an upstream or third party failing, or an AWS API
 * throttling it. Restarting, rolling back or recycling the service does not fix those.
 */
const DEPENDENCY =
  /\b(?:upstream|third[- ]party|external (?:provider|service|api)|provider\b[^.]{0,40}\b(?:unavailable|down|outage)|status page|ThrottlingException|ProvisionedThroughputExceeded\w*|Rate exceeded|TooManyRequests\w*|RequestLimitExceeded|SlowDown)\b/i;

/**
 * The share of the incident's log evidence (weighted by line counts) that blames a dependency: an
 * upstream or third party failing, or an AWS API throttling the service. At 0.5 and above the offline
 * analyzer proposes only a runbook whose own keywords, alarm or series hints match.
 *
 * @example
 * ```ts
 * import { dependencyShare } from '@aiops/llm-analyzer';
 * import { makeFinding, makeIncident } from '@aiops/testing';
 * dependencyShare(makeIncident({ findings: [makeFinding({ evidence: [
 *   { type: 'log', template: 'upstream returned 503', count: 10, samples: [] }] })] })); // 1
 * ```
 */
export function dependencyShare(incident: AnalysisRequest['incident']): number {
  let blamed = 0;
  let total = 0;
  for (const f of incident.findings) {
    for (const e of f.evidence) {
      if (e.type !== 'log') continue;
      total += e.count;
      const text = [e.template ?? '', ...e.samples].join('\n');
      if (DEPENDENCY.test(text)) blamed += e.count;
    }
  }
  return total === 0 ? 0 : blamed / total;
}

const RISK = { low: 0, medium: 1, high: 2 } as const;

function choose(
  ranked: readonly RunbookScore[],
  facts: IncidentFacts,
  request: AnalysisRequest,
  opts: z.output<typeof OfflineAnalyzerOptionsSchema>,
): Choice | { reason: string } {
  const best = ranked[0];
  if (!best) return { reason: 'The catalog offers no runbook.' };
  if (best.excluded || best.total < opts.minScore) {
    return {
      reason: `No runbook of the catalog fits well enough (best: "${best.runbook.id}", score ${best.total.toFixed(1)}${best.excluded ? ', excluded' : ` < ${opts.minScore}`}).`,
    };
  }
  // A dependency outage: act only on a runbook whose own keywords, alarm or series hints name it.
  const specific = (s: RunbookScore) => s.matched.some((m) => /^(?:keyword|alarm|series|logGroup):/.test(m));
  const blamesDependency = dependencyShare(request.incident) >= 0.5;
  // Near-ties go to the less risky runbook.
  const candidates = ranked
    .filter((s) => !s.excluded && s.total >= Math.max(opts.minScore, best.total * 0.8))
    .filter((s) => !blamesDependency || specific(s))
    .sort((a, b) =>
      Math.abs(a.total - b.total) <= 0.05 * best.total
        ? RISK[a.runbook.risk] - RISK[b.runbook.risk] || b.total - a.total
        : b.total - a.total,
    );
  for (const score of candidates) {
    const filled = fillParameters(score.runbook, facts, { fromText: opts.grounding === 'evidence' });
    if (filled.missing.length > 0) continue;
    const rationale = `Matched ${score.matched.join(', ') || 'the description'}; parameters from ${
      Object.entries(filled.sources)
        .map(([k, v]) => `${k} ← ${v}`)
        .join(', ') || 'none'
    }.`;
    const checked = checkProposal(
      { runbookId: score.runbook.id, parameters: filled.values, rationale },
      request.catalog ?? opts.catalog,
      { facts, grounding: opts.grounding, ...(opts.allowedRunbooks ? { allowedRunbooks: opts.allowedRunbooks } : {}) },
    );
    if (checked.ok) return { score, proposal: checked.proposal };
  }
  if (candidates.length === 0) {
    return {
      reason: `The evidence blames a dependency, and no runbook fitting well enough (best: "${best.runbook.id}") names it.`,
    };
  }
  return {
    reason: `No runbook that fits (${candidates.map((c) => `"${c.runbook.id}"`).join(', ')}) could be proposed with parameters grounded in the incident.`,
  };
}

function clamp(x: number): number {
  return Math.min(0.95, Math.max(0.05, x));
}
