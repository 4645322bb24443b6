import {
  AiopsError,
  type Analysis,
  type AnalysisRequest,
  type Analyzer,
  abortReason,
  describeError,
  parseOptions,
  type StepContext,
  silentLogger,
} from '@aiops/core';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AnalysisMemory } from './analysis-memory.js';
import type { BedrockAnalyzerEvent } from './bedrock-events.js';
import { type BedrockAnalyzerOptions, BedrockAnalyzerOptionsSchema } from './bedrock-options.js';
import { preparePrompt } from './bedrock-prompt.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { ConcurrencyLimiter } from './concurrency.js';
import { runConversation, type Usage } from './conversation.js';
import { sendConverse } from './converse-call.js';
import { LlmAnalyzerError, ReplyInvalidError } from './errors.js';
import { incidentFacts } from './incident-facts.js';
import { createOfflineAnalyzer } from './offline-analyzer.js';
import { checkProposal } from './proposal-guard.js';
import { createRedactor } from './redactor.js';
import { withRetry } from './retry.js';
import { createTokenCounter } from './token-counter.js';

/**
 * The Bedrock analyzer: an {@link Analyzer} with a way to see its circuit and to let go of its client.
 *
 * @example
 * ```ts
 * import type { BedrockAnalyzer } from '@aiops/llm-analyzer';
 * const healthy = (a: BedrockAnalyzer) => a.circuit() === 'closed';
 * ```
 */
export interface BedrockAnalyzer extends Analyzer {
  readonly modelId: string;
  /** State of the circuit breaker around the model. */
  circuit(): CircuitState;
  /** Destroys the client if the analyzer created it. Idempotent. */
  stop(): void;
}

/**
 * Creates an analyzer that explains incidents with a model on Amazon Bedrock (Converse API) and may
 * propose one catalog runbook. The model answers through a forced `report_analysis` tool call whose
 * input schema comes from the `Analysis` zod schema, with the runbook id as an enum of the catalog's
 * ids. Every text that leaves the process is redacted; incident data is fenced as untrusted. A reply
 * that fails the schema or the proposal guard gets one repair turn; then the offline analyzer
 * answers and `analysis.fallback` says why. Retries with backoff, a circuit breaker, bounded
 * concurrency, reuse of recent analyses and token budgets are built in.
 *
 * @example
 * ```ts
 * import { createBedrockAnalyzer } from '@aiops/llm-analyzer';
 * const analyzer = createBedrockAnalyzer({
 *   modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
 *   clientConfig: { region: 'us-east-1' },
 *   onEvent: (e) => { if (e.type === 'analysis.completed') console.log(e.usage); },
 * });
 * // createPipeline({ ..., analyzer, catalog }); later: analyzer.stop();
 * ```
 */
export function createBedrockAnalyzer(options: BedrockAnalyzerOptions): BedrockAnalyzer {
  const opts = parseOptions(BedrockAnalyzerOptionsSchema, options, 'createBedrockAnalyzer');
  const logger = opts.logger ?? silentLogger;
  const redactor = opts.redactor ?? createRedactor();
  const counter = opts.tokenCounter ?? createTokenCounter();
  const fallbackAnalyzer = opts.fallbackAnalyzer ?? createOfflineAnalyzer({ redactor, logger });
  const memory = new AnalysisMemory(opts.keyPrefix, opts.historyRetentionMs);
  const limiter = new ConcurrencyLimiter(opts.concurrency.maxConcurrent, opts.concurrency.maxQueued);
  const owned = opts.client === undefined;
  const client =
    opts.client ??
    new BedrockRuntimeClient({ maxAttempts: 1, requestHandler: new NodeHttpHandler(), ...opts.clientConfig });
  let stopped = false;
  let refusals = 0;
  let breaker: CircuitBreaker | undefined;
  const emit = (event: BedrockAnalyzerEvent): void => {
    try {
      opts.onEvent?.(event);
    } catch (err) {
      logger.warn('onEvent handler failed', { error: describeError(err) });
    }
  };
  const breakerOf = (ctx: StepContext) =>
    (breaker ??= new CircuitBreaker(opts.circuitBreaker, ctx.clock, (state) => {
      logger.info('bedrock circuit changed', { state });
      emit({ type: 'circuit.changed', state });
    }));
  const fromName = `${opts.name}:${opts.modelId}`;

  async function fallback(
    request: AnalysisRequest,
    ctx: StepContext,
    error: unknown,
    usage?: Usage,
  ): Promise<Analysis> {
    if (opts.fallback === 'none') throw error;
    const reason = describeError(error).slice(0, 500);
    logger.warn('bedrock analysis fell back', { fingerprint: request.incident.fingerprint, reason });
    const catalog = request.catalog ?? opts.catalog;
    const answer = await fallbackAnalyzer.analyze({ ...request, ...(catalog ? { catalog } : {}) }, ctx);
    let proposedAction = answer.proposedAction;
    if (proposedAction) {
      const check = checkProposal(proposedAction, catalog, guardOptions(request));
      proposedAction = check.ok ? check.proposal : null;
    }
    return {
      ...answer,
      proposedAction,
      fallback: { from: fromName, reason },
      ...(usage && usage.inputTokens + usage.outputTokens > 0 ? { usage: { ...usage } } : {}),
    };
  }

  const guardOptions = (request: AnalysisRequest) => ({
    facts: incidentFacts(request.incident),
    grounding: opts.grounding,
    ...(opts.allowedRunbooks ? { allowedRunbooks: opts.allowedRunbooks } : {}),
  });

  async function refuse(ctx: StepContext, request: AnalysisRequest, reason: string, runbookId?: string) {
    const incident = { fingerprint: request.incident.fingerprint, epoch: request.incident.epoch };
    emit({ type: 'proposal.refused', incident, reason, ...(runbookId ? { runbookId } : {}) });
    logger.warn('model proposal refused', { fingerprint: incident.fingerprint, reason });
    const now = ctx.clock.now();
    await ctx.store
      .put(
        `${opts.keyPrefix}refused/${ctx.idempotencyKey}/${now}-${++refusals}`,
        { incident, reason, runbookId: runbookId ?? null, at: now, model: opts.modelId },
        { expiresAt: now + opts.historyRetentionMs },
      )
      .catch((err: unknown) => logger.warn('could not record a refused proposal', { error: describeError(err) }));
  }

  async function analyze(request: AnalysisRequest, ctx: StepContext): Promise<Analysis> {
    const { incident } = request;
    const ref = { fingerprint: incident.fingerprint, epoch: incident.epoch };
    const started = ctx.clock.now();
    const catalog = request.catalog ?? opts.catalog;
    const completed = (
      analysis: Analysis,
      source: 'model' | 'reused' | 'fallback',
      extra: Partial<BedrockAnalyzerEvent & { type: 'analysis.completed' }> = {},
    ) => {
      emit({
        type: 'analysis.completed',
        incident: ref,
        source,
        model: opts.modelId,
        usage: analysis.usage ?? { inputTokens: 0, outputTokens: 0 },
        calls: 0,
        toolCalls: 0,
        repaired: false,
        contextTokens: 0,
        truncated: [],
        durationMs: ctx.clock.now() - started,
        ...(analysis.fallback ? { fallbackReason: analysis.fallback.reason } : {}),
        ...extra,
      });
      return analysis;
    };

    const reused = await memory.recent(ctx.store, incident, started, opts.reuseWithinMs);
    if (reused && !reused.fallback) {
      const check = reused.proposedAction
        ? checkProposal(reused.proposedAction, catalog, guardOptions(request))
        : undefined;
      if (!check || check.ok) {
        const { usage: _spent, ...rest } = reused;
        return completed({ ...rest, incident: ref, createdAt: started }, 'reused');
      }
    }

    if (!breakerOf(ctx).tryPass()) {
      const err = new LlmAnalyzerError(
        'CIRCUIT_OPEN',
        `circuit open for ${breakerOf(ctx).retryInMs} ms more after repeated model failures`,
        { retryable: true },
      );
      return completed(await fallback(request, ctx, err), 'fallback');
    }
    let release: (() => void) | undefined;
    const usageSoFar: Usage = { inputTokens: 0, outputTokens: 0 };
    try {
      release = await limiter.acquire(ctx.signal);
      const facts = incidentFacts(incident);
      const { system, prompt, context, tools } = await preparePrompt({
        request,
        catalog,
        facts,
        store: ctx.store,
        memory,
        counter,
        redactor,
        options: opts,
      });
      const guard = guardOptions(request);
      let accepted: Analysis['proposedAction'] = null;
      const result = await runConversation({
        send: (input) =>
          withRetry(
            () =>
              sendConverse(
                client,
                { ...input, modelId: opts.modelId },
                { signal: ctx.signal, timeoutMs: opts.requestTimeoutMs, redactor },
              ),
            opts.retry,
            {
              clock: ctx.clock,
              signal: ctx.signal,
              onRetry: (err, attempt, delayMs) =>
                emit({
                  type: 'model.retry',
                  incident: ref,
                  attempt,
                  delayMs,
                  code: AiopsError.is(err) ? err.code : 'UNKNOWN',
                  message: describeError(err),
                }),
            },
          ).then((out) => {
            usageSoFar.inputTokens += out.usage?.inputTokens ?? 0;
            usageSoFar.outputTokens += out.usage?.outputTokens ?? 0;
            return out;
          }),
        system,
        prompt,
        runbookIds: context.runbooks.map((r) => r.id),
        tools,
        maxSteps: opts.investigation.maxSteps,
        investigationTokens: opts.budget.investigationTokens,
        maxToolResultTokens: opts.budget.maxToolResultTokens,
        inference: opts.inference,
        forceToolChoice: opts.forceToolChoice,
        accept: (report) => {
          accepted = null;
          if (!report.proposedAction) return undefined;
          const check = checkProposal(report.proposedAction, catalog, guard);
          if (check.ok) {
            accepted = check.proposal;
            return undefined;
          }
          void refuse(ctx, request, check.reason, report.proposedAction.runbookId);
          return check.reason;
        },
        investigation: { incident, facts, signal: ctx.signal, clock: ctx.clock, store: ctx.store, memory },
        counter,
        redactor,
      });
      breakerOf(ctx).success();
      const { report } = result;
      const analysis: Analysis = {
        incident: ref,
        analyzer: opts.name,
        model: opts.modelId,
        summary: redactor.redact(report.summary),
        probableCause: redactor.redact(report.probableCause),
        confidence: report.confidence,
        severity: report.severity,
        evidence: [...new Set(report.evidence)].filter((r) => context.refs.has(r)).slice(0, 50),
        proposedAction: accepted,
        usage: { ...result.usage },
        createdAt: ctx.clock.now(),
      };
      await memory.remember(ctx.store, incident, analysis, analysis.createdAt);
      return completed(analysis, 'model', {
        calls: result.calls,
        toolCalls: result.toolCalls,
        repaired: result.repaired,
        contextTokens: context.tokens,
        truncated: context.truncated,
      });
    } catch (err) {
      if (ctx.signal.aborted) {
        breakerOf(ctx).release();
        throw abortReason(ctx.signal);
      }
      if (err instanceof ReplyInvalidError) {
        breakerOf(ctx).success();
        await refuse(ctx, request, err.message);
      } else if (AiopsError.is(err) && err.code === 'OVERLOADED') {
        breakerOf(ctx).release();
      } else {
        breakerOf(ctx).failure();
      }
      const answer = await fallback(request, ctx, err, usageSoFar);
      await memory.remember(ctx.store, incident, answer, ctx.clock.now()).catch(() => undefined);
      return completed(answer, 'fallback', { calls: 0 });
    } finally {
      release?.();
    }
  }

  return {
    name: opts.name,
    modelId: opts.modelId,
    analyze,
    circuit: () => breaker?.state ?? 'closed',
    stop() {
      if (stopped) return;
      stopped = true;
      if (owned) client.destroy();
    },
  };
}
