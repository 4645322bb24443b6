import {
  AiopsError,
  type Analysis,
  type AnalysisRequest,
  AnalysisSchema,
  type Analyzer,
  type Clock,
  parseOrThrow,
  type StepContext,
  sleep,
} from '@aiops/core';

/**
 * Which call of a scripted stage this is.
 *
 * @example
 * ```ts
 * import { createScriptedAnalyzer, type ScriptedCallInfo } from '@aiops/testing';
 * const tag = (call: ScriptedCallInfo) => `${call.idempotencyKey}#${call.attempt} (call ${call.n})`;
 * // Every step fails once (retryably) before it answers: the host must retry under the same key.
 * const analyzer = createScriptedAnalyzer({
 *   analyze: (_request, call) => ({ summary: `answer to ${tag(call)}` }),
 *   fail: (_request, call) => call.attempt === 1,
 * });
 * ```
 */
export interface ScriptedCallInfo {
  /** 1 for the first call, and so on. */
  readonly n: number;
  readonly attempt: number;
  readonly idempotencyKey: string;
}

/**
 * One call of {@link ScriptedAnalyzer.analyze}, as recorded.
 *
 * @example
 * ```ts
 * import { type AnalyzerCall, createScriptedAnalyzer } from '@aiops/testing';
 * const retriedThenAnswered = (calls: readonly AnalyzerCall[]) =>
 *   calls.filter((c) => c.attempt > 1 && c.outcome === 'succeeded');
 * const analyzer = createScriptedAnalyzer({ failFirst: 1 });
 * retriedThenAnswered(analyzer.calls);
 * ```
 */
export interface AnalyzerCall extends ScriptedCallInfo {
  readonly request: AnalysisRequest;
  readonly outcome: 'pending' | 'succeeded' | 'failed';
  readonly analysis?: Analysis;
  readonly error?: Error;
}

/**
 * Options of {@link createScriptedAnalyzer}.
 *
 * @example
 * ```ts
 * import { ManualClock } from '@aiops/core';
 * import { createScriptedAnalyzer, type ScriptedAnalyzerOptions } from '@aiops/testing';
 * // A model that takes 30 s on a clock the test moves: shows the stream path does not wait for it.
 * const options: ScriptedAnalyzerOptions = {
 *   delayMs: 30_000,
 *   clock: new ManualClock(0),
 *   analyze: () => ({ confidence: 0.9, probableCause: 'connection pool exhausted' }),
 * };
 * const analyzer = createScriptedAnalyzer(options);
 * ```
 */
export interface ScriptedAnalyzerOptions {
  /** Defaults to `scripted`. */
  readonly name?: string;
  /** Fields to put over the analysis built from the incident, e.g. a `proposedAction`. */
  readonly analyze?: (
    request: AnalysisRequest,
    call: ScriptedCallInfo,
  ) => Partial<Analysis> | Promise<Partial<Analysis>>;
  /** Waits this long before answering (on `clock`, or the step's clock), like a model call. */
  readonly delayMs?: number;
  readonly clock?: Clock;
  /** The first N calls fail with a retryable error. */
  readonly failFirst?: number;
  /** Fails a call when it returns `true` (a retryable error) or an Error (thrown as is). */
  readonly fail?: (request: AnalysisRequest, call: ScriptedCallInfo) => boolean | Error;
  /**
   * Check the answer against `AnalysisSchema` and throw a `ValidationError` if it does not match.
   * Defaults to `true`; turn it off to hand the host an invalid analysis on purpose.
   */
  readonly validate?: boolean;
}

/**
 * An {@link Analyzer} that answers from a script and records its calls.
 *
 * @example
 * ```ts
 * import { createScriptedAnalyzer, createStepContext, makeIncident, type ScriptedAnalyzer } from '@aiops/testing';
 * const analyzer: ScriptedAnalyzer = createScriptedAnalyzer();
 * const incident = makeIncident();
 * await analyzer.analyze({ incident }, createStepContext('analyze:1'));
 * analyzer.analyses[0]?.summary === incident.title; // true
 * analyzer.calls.length; // 1
 * ```
 */
export interface ScriptedAnalyzer extends Analyzer {
  /** Every call, in the order they began. */
  readonly calls: readonly AnalyzerCall[];
  /** The analyses returned, in order. */
  readonly analyses: readonly Analysis[];
}

/**
 * Creates an analyzer that needs no model: it answers with a valid analysis built from the incident
 * (its title as summary, its severity, one evidence reference per finding, no proposal), with the
 * fields `analyze` returns put on top. Latency and failures are scriptable, so a test can show the
 * stream path is not slowed by a slow analyzer.
 *
 * @example
 * ```ts
 * import { createScriptedAnalyzer, createStepContext, makeIncident } from '@aiops/testing';
 * const analyzer = createScriptedAnalyzer({
 *   analyze: ({ incident }) => ({
 *     proposedAction: { runbookId: 'restart-service', parameters: { service: incident.labels.service }, rationale: 'stuck pool' },
 *   }),
 * });
 * const analysis = await analyzer.analyze({ incident: makeIncident() }, createStepContext('analyze:1'));
 * analysis.proposedAction?.runbookId; // 'restart-service'
 * ```
 */
export function createScriptedAnalyzer(options: ScriptedAnalyzerOptions = {}): ScriptedAnalyzer {
  const name = options.name ?? 'scripted';
  const calls: AnalyzerCall[] = [];
  const analyses: Analysis[] = [];

  const failureOf = (request: AnalysisRequest, info: ScriptedCallInfo): Error | undefined => {
    const scripted = info.n <= (options.failFirst ?? 0) || options.fail?.(request, info);
    if (scripted instanceof Error) return scripted;
    if (!scripted) return undefined;
    return new AiopsError('UNAVAILABLE', `scripted analyzer "${name}" failed call ${info.n} on purpose`, {
      retryable: true,
    });
  };

  return {
    name,
    calls,
    analyses,
    async analyze(request: AnalysisRequest, ctx: StepContext): Promise<Analysis> {
      const info: ScriptedCallInfo = { n: calls.length + 1, attempt: ctx.attempt, idempotencyKey: ctx.idempotencyKey };
      const call: { -readonly [K in keyof AnalyzerCall]: AnalyzerCall[K] } = { ...info, request, outcome: 'pending' };
      calls.push(call);
      try {
        if (options.delayMs) await sleep(options.clock ?? ctx.clock, options.delayMs, ctx.signal);
        const failure = failureOf(request, info);
        if (failure) throw failure;
        const answer = { ...fromIncident(name, request, ctx), ...(await options.analyze?.(request, info)) };
        const analysis = options.validate === false ? answer : parseOrThrow(AnalysisSchema, answer, 'Analysis');
        call.outcome = 'succeeded';
        call.analysis = analysis;
        analyses.push(analysis);
        return analysis;
      } catch (err) {
        const error =
          err instanceof Error ? err : new AiopsError('ABORTED', `scripted analyzer "${name}" aborted`, { cause: err });
        call.outcome = 'failed';
        call.error = error;
        throw error;
      }
    },
  };
}

function fromIncident(name: string, { incident }: AnalysisRequest, ctx: StepContext): Analysis {
  const kinds = [...new Set(incident.findings.map((f) => f.kind))];
  return {
    incident: { fingerprint: incident.fingerprint, epoch: incident.epoch },
    analyzer: name,
    summary: incident.title || `incident ${incident.fingerprint}`,
    probableCause: kinds.length > 0 ? `scripted: ${kinds.join(', ')}` : 'scripted: unknown',
    confidence: 0.5,
    severity: incident.severity,
    evidence: incident.findings.slice(0, 50).map((_, i) => `finding:${i}`),
    proposedAction: null,
    createdAt: ctx.clock.now(),
  };
}
