import type { AnalysisRequest, Incident, RunbookCatalogView, StateStore } from '@aiops/core';
import type { AnalysisMemory, PastAnalysis } from './analysis-memory.js';
import type { ResolvedBedrockAnalyzerOptions } from './bedrock-options.js';
import { type AnalysisContext, buildContext } from './context-builder.js';
import { toolSpecs } from './conversation.js';
import type { IncidentFacts } from './incident-facts.js';
import type { InvestigationTool } from './investigation-tool.js';
import { dataFence, systemPrompt, userPrompt } from './prompt.js';
import type { Redactor } from './redactor.js';
import { rankRunbooks } from './runbook-ranker.js';
import type { TokenCounter } from './token-counter.js';

// Tokens kept free in each request for the prompt scaffolding and one repair turn.
const RESERVED_TOKENS = 700;

/**
 * Everything the first request of a conversation needs: the system prompt (with a fresh fence tag),
 * the user prompt, the context behind it, and the investigation tools on offer. The catalog is
 * ranked against the incident so that the budget drops the least relevant runbooks first; the
 * system prompt and every tool schema are counted before the incident data gets the rest.
 */
export async function preparePrompt(input: {
  readonly request: AnalysisRequest;
  readonly catalog: RunbookCatalogView | undefined;
  readonly facts: IncidentFacts;
  readonly store: StateStore;
  readonly memory: AnalysisMemory;
  readonly counter: TokenCounter;
  readonly redactor: Redactor;
  readonly options: ResolvedBedrockAnalyzerOptions;
}): Promise<{ system: string; prompt: string; context: AnalysisContext; tools: readonly InvestigationTool[] }> {
  const { request, options: o, counter } = input;
  const { incident } = request;
  const offered = (input.catalog?.list() ?? []).filter((r) => !o.allowedRunbooks || o.allowedRunbooks.includes(r.id));
  const ranked = rankRunbooks(offered, input.facts)
    .filter((s) => !s.excluded)
    .map((s) => s.runbook);
  const history = [
    ...(await input.memory.similar(input.store, incident, o.context.maxHistory)),
    ...(request.history ?? []).map((h) => pastOf(h, incident.fingerprint)),
  ];
  const tools = o.investigation.maxSteps > 0 ? o.investigation.tools : [];
  const fence = dataFence();
  const system = systemPrompt(fence.tag, tools.length > 0 ? o.investigation.maxSteps : 0);
  const overhead =
    counter.count(system) +
    counter.count(
      JSON.stringify(
        toolSpecs(
          ranked.map((r) => r.id),
          tools,
        ),
      ),
    ) +
    RESERVED_TOKENS +
    (tools.length > 0 ? o.budget.investigationTokens : 0);
  const context = buildContext({
    incident,
    runbooks: ranked,
    history,
    redactor: input.redactor,
    counter,
    limits: o.context,
    budgetTokens: Math.max(500, o.budget.maxInputTokens - overhead),
  });
  return { system, prompt: userPrompt(context, fence), context, tools };
}

/** An incident the host passed as history, shown like a remembered analysis. */
function pastOf(h: Incident, fingerprint: string): PastAnalysis {
  return {
    fingerprint: h.fingerprint,
    epoch: h.epoch,
    at: h.resolvedAt ?? h.updatedAt,
    title: h.title,
    kinds: [...new Set(h.findings.map((f) => f.kind))],
    summary: h.title,
    probableCause: h.resolution ? `resolved (${h.resolution})` : h.status,
    runbookId: null,
    sameFingerprint: h.fingerprint === fingerprint,
  };
}
