import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { ActionPlan, ActionResult } from './schemas/action.js';
import type { Analysis, ProposedAction } from './schemas/analysis.js';
import type { Origin } from './schemas/common.js';
import type { IncidentEvent } from './schemas/event.js';
import type { Finding } from './schemas/finding.js';
import type { Incident } from './schemas/incident.js';
import type { RunbookCatalogView } from './schemas/runbook.js';
import type { Signal, SignalType } from './schemas/signal.js';
import type { StateStore } from './store.js';

/**
 * What every stage receives from the host: where to log, what time it is, when to stop, and where to
 * keep state. Stages never reach for globals.
 *
 * @example
 * ```ts
 * import { MemoryStateStore, silentLogger, systemClock, type StageContext } from '@aiops/core';
 * const ctx: StageContext = {
 *   logger: silentLogger, clock: systemClock, signal: new AbortController().signal, store: new MemoryStateStore(),
 * };
 * ```
 */
export interface StageContext {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Aborts when the host stops; long operations pass it on (`client.send(cmd, { abortSignal })`). */
  readonly signal: AbortSignal;
  readonly store: StateStore;
}

/**
 * The context of one slow-path step (analyze, act, notify). `idempotencyKey` is the same every time
 * the same step is attempted, including after a crash: use it to make side effects happen once.
 *
 * @example
 * ```ts
 * import type { StepContext } from '@aiops/core';
 * async function post(ctx: StepContext): Promise<void> {
 *   const done = await ctx.store.put(`sent/${ctx.idempotencyKey}`, true, { expectedVersion: 0 });
 *   if (!done.ok) return; // sent before a crash: do not send twice
 * }
 * ```
 */
export interface StepContext extends StageContext {
  readonly idempotencyKey: string;
  /** 1 on the first attempt of this step, 2 on the first retry, and so on (across restarts). */
  readonly attempt: number;
}

/**
 * The body of a record as a source received it: raw bytes for a decoder, or signals already decoded
 * (a metrics poller, a test source).
 *
 * @example
 * ```ts
 * import type { RecordPayload } from '@aiops/core';
 * const raw: RecordPayload = { type: 'bytes', data: new TextEncoder().encode('{"msg":"hi"}') };
 * const ready: RecordPayload = { type: 'signals', signals: [{ type: 'log', timestamp: 0, message: 'hi' }] };
 * ```
 */
export type RecordPayload =
  | { readonly type: 'bytes'; readonly data: Uint8Array; readonly contentType?: string }
  | { readonly type: 'signals'; readonly signals: readonly Signal[] };

/**
 * A raw record handed to a decoder.
 *
 * @example
 * ```ts
 * import type { RawRecord } from '@aiops/core';
 * const rec: RawRecord = { data: new Uint8Array([1, 2]), origin: { source: 'kinesis', shard: 'shardId-0' } };
 * ```
 */
export interface RawRecord {
  readonly data: Uint8Array;
  readonly origin: Origin;
  readonly contentType?: string;
}

/**
 * One record from a source, with its acknowledgement. The host settles every delivery exactly once:
 * `ack()` after everything the record caused is durable (the source may then checkpoint past it), or
 * `nack(reason)` when it could not be made durable (the source must deliver it again, or stop).
 *
 * @example
 * ```ts
 * import type { Delivery } from '@aiops/core';
 * function delivery(line: string, n: number): Delivery {
 *   return {
 *     id: `line-${n}`, origin: { source: 'file', line: n },
 *     payload: { type: 'bytes', data: new TextEncoder().encode(line) },
 *     ack: () => {}, nack: () => {},
 *   };
 * }
 * ```
 */
export interface Delivery {
  /** Unique within the source, for logs and dead-letter records. */
  readonly id: string;
  readonly payload: RecordPayload;
  readonly origin: Origin;
  ack(): void;
  nack(reason?: unknown): void;
}

/**
 * Where records come from: a Kinesis stream, a file, a Lambda batch, a poller. The host pulls from
 * `read()`; a source reads ahead of the host by a bounded amount only, which is how a slow pipeline
 * pauses its sources. Yield single deliveries or arrays of them (batches are cheaper).
 *
 * @example
 * ```ts
 * import type { Delivery, Source } from '@aiops/core';
 * const source: Source = {
 *   name: 'three-lines',
 *   async *read() {
 *     for (const [i, message] of ['a', 'b', 'c'].entries()) {
 *       const d: Delivery = {
 *         id: String(i), origin: { source: 'memory' },
 *         payload: { type: 'signals', signals: [{ type: 'log', timestamp: i, message }] },
 *         ack: () => {}, nack: () => {},
 *       };
 *       yield d;
 *     }
 *   },
 * };
 * ```
 */
export interface Source {
  readonly name: string;
  /** Yields deliveries until the source ends, `stop()` is called, or `ctx.signal` aborts. */
  read(ctx: StageContext): AsyncIterable<Delivery | readonly Delivery[]>;
  /** Ends `read()` soon; deliveries already yielded are still settled by the host. Idempotent. */
  stop?(): Promise<void> | void;
  /**
   * How far behind the newest record of its stream the source is, in milliseconds, when it knows
   * (Kinesis reports `MillisBehindLatest`). The pipeline reports the largest in `stats().lag`.
   */
  lagMs?(): number | undefined;
}

/**
 * Turns raw bytes into signals. Synchronous and free of I/O. Throw a `DecodeError` naming what is
 * wrong for a bad record: the host dead-letters it and goes on. `matches` lets the host choose a
 * decoder per record when several are configured.
 *
 * @example
 * ```ts
 * import { DecodeError, type Decoder } from '@aiops/core';
 * const ndjson: Decoder = {
 *   name: 'plain-text',
 *   decode(record) {
 *     const text = new TextDecoder().decode(record.data);
 *     if (text.length === 0) throw new DecodeError('plain-text', 'empty record');
 *     return [{ type: 'log', timestamp: record.origin.receivedAt ?? 0, message: text }];
 *   },
 * };
 * ```
 */
export interface Decoder {
  readonly name: string;
  matches?(record: RawRecord): boolean;
  decode(record: RawRecord): readonly Signal[];
}

/**
 * What a detector sees besides the signal: the clock and a logger. The same object is passed to
 * every call: read it, don't keep it.
 *
 * @example
 * ```ts
 * import { silentLogger, systemClock, type DetectorContext } from '@aiops/core';
 * const ctx: DetectorContext = { clock: systemClock, logger: silentLogger };
 * ```
 */
export interface DetectorContext {
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * What `observe` and `flush` may return: nothing, one finding, or several.
 *
 * @example
 * ```ts
 * import type { DetectorOutput } from '@aiops/core';
 * const nothing: DetectorOutput = undefined;
 * ```
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a detector that returns nothing returns void.
export type DetectorOutput = Finding | readonly Finding[] | undefined | void;

/**
 * A streaming detector: synchronous, no I/O, one pass. It keeps its own state keyed by series
 * (`seriesKeyOf(signal)` or its own key), bounded in size. `flush` runs on a timer so time-based
 * windows can close without new input; `snapshot` / `restore` carry state across restarts as JSON.
 *
 * @example
 * ```ts
 * import { defineDetector, seriesKeyOf } from '@aiops/core';
 * export const bigValues = defineDetector({
 *   name: 'big-values',
 *   signalTypes: ['metric'],
 *   observe(signal) {
 *     if (signal.type !== 'metric' || (signal.value ?? 0) < 100) return;
 *     return {
 *       detector: 'big-values', seriesKey: seriesKeyOf(signal), kind: 'threshold', status: 'firing',
 *       score: 1, startedAt: signal.timestamp, at: signal.timestamp, labels: {}, evidence: [],
 *     };
 *   },
 * });
 * ```
 */
export interface Detector<TState = unknown> {
  readonly name: string;
  /** The signal types to receive; all when absent. */
  readonly signalTypes?: readonly SignalType[];
  observe(signal: Signal, ctx: DetectorContext): DetectorOutput;
  flush?(ctx: DetectorContext): DetectorOutput;
  snapshot?(): TState;
  restore?(state: TState): void;
}

/**
 * What an analyzer is asked: the incident, the runbooks it may propose from, and past incidents.
 *
 * @example
 * ```ts
 * import type { AnalysisRequest, Incident } from '@aiops/core';
 * const ask = (incident: Incident): AnalysisRequest => ({ incident, history: [] });
 * ```
 */
export interface AnalysisRequest {
  readonly incident: Incident;
  readonly catalog?: RunbookCatalogView;
  /** Earlier incidents that look similar, newest first. */
  readonly history?: readonly Incident[];
  /**
   * Other incidents open at about the same time, or on the same service: a deployment event, an alarm
   * or another symptom that the default grouping keeps in an incident of its own. Newest first.
   */
  readonly related?: readonly Incident[];
}

/**
 * Explains an incident and may propose one catalog runbook. May take seconds: it runs on the slow
 * path and never stalls the stream.
 *
 * @example
 * ```ts
 * import type { Analyzer } from '@aiops/core';
 * const echo: Analyzer = {
 *   name: 'echo',
 *   async analyze({ incident }, ctx) {
 *     return {
 *       incident: { fingerprint: incident.fingerprint, epoch: incident.epoch }, analyzer: 'echo',
 *       summary: incident.title, probableCause: 'unknown', confidence: 0.1, severity: incident.severity,
 *       evidence: [], proposedAction: null, createdAt: ctx.clock.now(),
 *     };
 *   },
 * };
 * ```
 */
export interface Analyzer {
  readonly name: string;
  analyze(request: AnalysisRequest, ctx: StepContext): Promise<Analysis>;
  stop?(): Promise<void> | void;
}

/**
 * What the executor is asked to plan: a proposal, with the incident and analysis behind it.
 *
 * @example
 * ```ts
 * import type { ActionRequest } from '@aiops/core';
 * type Proposal = ActionRequest['proposal']; // ProposedAction
 * ```
 */
export interface ActionRequest {
  readonly incident: Incident;
  readonly analysis: Analysis;
  readonly proposal: ProposedAction;
}

/**
 * The executor's decision on a proposal: run it, skip it (with the reason), or wait for a human.
 *
 * @example
 * ```ts
 * import type { PlanDecision } from '@aiops/core';
 * const no: PlanDecision = { decision: 'skip', reason: 'runbook "rm-rf" is not in the catalog' };
 * ```
 */
export type PlanDecision =
  | { readonly decision: 'run'; readonly plan: ActionPlan }
  | { readonly decision: 'skip'; readonly reason: string; readonly plan?: ActionPlan }
  | {
      readonly decision: 'approval';
      readonly plan: ActionPlan;
      readonly approvalId: string;
      readonly expiresAt: number;
    };

/**
 * The state of an approval the executor is waiting on.
 *
 * @example
 * ```ts
 * import type { ApprovalState } from '@aiops/core';
 * const s: ApprovalState = { status: 'approved', by: 'U024BE7LH' };
 * ```
 */
export type ApprovalState =
  | { readonly status: 'pending' }
  | { readonly status: 'approved'; readonly by?: string }
  | { readonly status: 'rejected'; readonly by?: string; readonly reason?: string }
  | { readonly status: 'expired' };

/**
 * What deciding an approval did.
 *
 * @example
 * ```ts
 * import type { ApprovalOutcome } from '@aiops/core';
 * const text = (o: ApprovalOutcome) => (o.status === 'decided' ? `now ${o.state.status}` : o.status);
 * ```
 */
export type ApprovalOutcome =
  | { readonly status: 'decided'; readonly state: ApprovalState }
  | { readonly status: 'already-decided'; readonly state: ApprovalState }
  | { readonly status: 'not-found' }
  /** The person may not decide this approval (not on the approvers list); nothing changed. */
  | { readonly status: 'forbidden'; readonly reason: string };

/**
 * The approval side of an executor that can wait for people: what a Slack button, a CLI or an HTTP
 * endpoint calls to approve or reject a pending action. Decisions are durable and idempotent; `by`
 * names the person for the audit trail.
 *
 * @example
 * ```ts
 * import type { ApprovalApi } from '@aiops/core';
 * async function onButton(api: ApprovalApi, approvalId: string, user: string, ok: boolean) {
 *   return ok ? api.approve(approvalId, user) : api.reject(approvalId, user, 'declined in Slack');
 * }
 * ```
 */
export interface ApprovalApi {
  approve(approvalId: string, by: string): Promise<ApprovalOutcome>;
  reject(approvalId: string, by: string, reason?: string): Promise<ApprovalOutcome>;
}

/**
 * Runs catalog runbooks behind guardrails. `plan` checks a proposal (catalog, parameter schema,
 * cooldowns, rates, approval); `run` executes a plan and must be idempotent by `plan.id`. The
 * pipeline never runs anything an executor did not plan.
 *
 * @example
 * ```ts
 * import type { Executor } from '@aiops/core';
 * const dryRun: Executor = {
 *   name: 'dry-run',
 *   async plan({ incident, proposal }, ctx) {
 *     return { decision: 'run', plan: {
 *       id: `${incident.fingerprint}:${incident.epoch}:${proposal.runbookId}`,
 *       incident: { fingerprint: incident.fingerprint, epoch: incident.epoch },
 *       runbookId: proposal.runbookId, parameters: proposal.parameters, dryRun: true, createdAt: ctx.clock.now(),
 *     } };
 *   },
 *   async run(plan) {
 *     return { status: 'skipped', planId: plan.id, runbookId: plan.runbookId, executor: 'dry-run', reason: 'dry run' };
 *   },
 * };
 * ```
 */
export interface Executor {
  readonly name: string;
  plan(request: ActionRequest, ctx: StepContext): Promise<PlanDecision>;
  run(plan: ActionPlan, ctx: StepContext): Promise<ActionResult>;
  /** Required when `plan` can answer `approval`. */
  approvalState?(approvalId: string, ctx: StageContext): Promise<ApprovalState>;
  /**
   * Called once, durably (retried with the same idempotency key until it succeeds or gives up), when
   * an incident escalates after this executor acted on it: the run failed, or the incident did not
   * clear within the verification window. The place for a runbook's `onFailure` (a rollback).
   */
  onEscalated?(request: EscalationRequest, ctx: StepContext): Promise<void>;
  stop?(): Promise<void> | void;
}

/**
 * What an executor hears when an incident it acted on escalates.
 *
 * @example
 * ```ts
 * import type { EscalationRequest } from '@aiops/core';
 * const line = (r: EscalationRequest) => `${r.plan.runbookId} on ${r.incident.title}: ${r.reason}`;
 * ```
 */
export interface EscalationRequest {
  readonly incident: Incident;
  readonly plan: ActionPlan;
  /** The run's result: failed, timed out or cancelled; or succeeded, when the incident did not clear in time. */
  readonly result?: ActionResult;
  readonly reason: string;
}

/**
 * Tells people about an incident's life: Slack, Jira, a webhook, the console. Receives each event
 * once per incident life, retried on failure with the same `ctx.idempotencyKey`.
 *
 * @example
 * ```ts
 * import { defineNotifier } from '@aiops/core';
 * export const consoleLine = defineNotifier({
 *   name: 'console-line',
 *   async notify(event) {
 *     console.log(`[${event.type}] ${event.incident.title}`);
 *   },
 * });
 * ```
 */
export interface Notifier {
  readonly name: string;
  /** Return `false` to skip an event (routing); all events when absent. */
  accepts?(event: IncidentEvent): boolean;
  notify(event: IncidentEvent, ctx: StepContext): Promise<void>;
  start?(ctx: StageContext): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/**
 * Identity helper that gives a detector object literal its full type, state type included.
 *
 * @example
 * ```ts
 * import { defineDetector } from '@aiops/core';
 * const counter = defineDetector<{ n: number }>({
 *   name: 'counter',
 *   observe() { return undefined; },
 *   snapshot: () => ({ n: 0 }),
 *   restore: (s) => void s.n,
 * });
 * ```
 */
export function defineDetector<TState = unknown>(detector: Detector<TState>): Detector<TState> {
  return detector;
}

/**
 * Identity helper that gives a notifier object literal its full type.
 *
 * @example
 * ```ts
 * import { defineNotifier } from '@aiops/core';
 * const quiet = defineNotifier({ name: 'quiet', async notify() {} });
 * ```
 */
export function defineNotifier(notifier: Notifier): Notifier {
  return notifier;
}
