import {
  type ActionPlan,
  type ActionResult,
  type ActionStatus,
  type AlarmSignal,
  type Analysis,
  type EventSignal,
  type Finding,
  INCIDENT_EVENT_TYPES,
  type Incident,
  type IncidentEventOf,
  type IncidentEventType,
  type IncidentRef,
  type LogSignal,
  type MetricSignal,
  type RunbookCatalogView,
  type RunbookSummary,
} from '@aiops/core';

/**
 * The instant every fixture is built around (2023-11-14T22:13:20Z), so timestamps in tests read alike
 * and line up with {@link createTestContext}'s clock.
 *
 * @example
 * ```ts
 * import { FIXTURE_NOW, makeLogSignal } from '@aiops/testing';
 * makeLogSignal().timestamp === FIXTURE_NOW; // true
 * ```
 */
export const FIXTURE_NOW = 1_700_000_000_000;

/**
 * A log signal: an error line of the `checkout` service. Builders never validate their output, so a
 * test can build invalid data on purpose through the overrides.
 *
 * @example
 * ```ts
 * import { makeLogSignal } from '@aiops/testing';
 * const line = makeLogSignal({ message: 'GET /cart 200 3ms', level: 'info' });
 * ```
 */
export function makeLogSignal(overrides: Partial<LogSignal> = {}): LogSignal {
  return {
    type: 'log',
    timestamp: FIXTURE_NOW,
    message: 'GET /cart 503 12ms',
    level: 'error',
    logGroup: '/ecs/checkout',
    logStream: 'task/1',
    service: 'checkout',
    ...overrides,
  };
}

/**
 * A metric datapoint: CPU of one EC2 instance.
 *
 * @example
 * ```ts
 * import { makeMetricSignal } from '@aiops/testing';
 * const hot = makeMetricSignal({ value: 99.5 });
 * ```
 */
export function makeMetricSignal(overrides: Partial<MetricSignal> = {}): MetricSignal {
  return {
    type: 'metric',
    timestamp: FIXTURE_NOW,
    namespace: 'AWS/EC2',
    name: 'CPUUtilization',
    dimensions: { InstanceId: 'i-0abc' },
    value: 42,
    unit: 'Percent',
    ...overrides,
  };
}

/**
 * An alarm state change from OK to ALARM on a 5xx count.
 *
 * @example
 * ```ts
 * import { makeAlarmSignal } from '@aiops/testing';
 * const back = makeAlarmSignal({ state: 'OK', previousState: 'ALARM' });
 * ```
 */
export function makeAlarmSignal(overrides: Partial<AlarmSignal> = {}): AlarmSignal {
  return {
    type: 'alarm',
    timestamp: FIXTURE_NOW,
    alarmName: 'checkout-5xx',
    state: 'ALARM',
    previousState: 'OK',
    reason: 'Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (10.0).',
    metric: {
      namespace: 'AWS/ApplicationELB',
      name: 'HTTPCode_Target_5XX_Count',
      dimensions: { LoadBalancer: 'app/checkout' },
    },
    ...overrides,
  };
}

/**
 * An EventBridge event: an ECS task of `checkout` stopped.
 *
 * @example
 * ```ts
 * import { makeEventSignal } from '@aiops/testing';
 * const deploy = makeEventSignal({ source: 'aws.codedeploy', detailType: 'CodeDeploy Deployment State-change Notification' });
 * ```
 */
export function makeEventSignal(overrides: Partial<EventSignal> = {}): EventSignal {
  return {
    type: 'event',
    timestamp: FIXTURE_NOW,
    source: 'aws.ecs',
    detailType: 'ECS Task State Change',
    detail: { lastStatus: 'STOPPED', stoppedReason: 'Essential container in task exited', group: 'service:checkout' },
    region: 'eu-west-1',
    ...overrides,
  };
}

/**
 * A firing finding: the `checkout` error rate spiked.
 *
 * @example
 * ```ts
 * import { makeFinding } from '@aiops/testing';
 * const cleared = makeFinding({ status: 'resolved', score: 0 });
 * ```
 */
export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    detector: 'error-rate',
    seriesKey: 'log:checkout',
    kind: 'error-rate-spike',
    status: 'firing',
    score: 0.95,
    severity: 'high',
    title: 'checkout error rate 38% (baseline 0.4%)',
    startedAt: FIXTURE_NOW - 60_000,
    at: FIXTURE_NOW,
    labels: { service: 'checkout' },
    evidence: [
      { type: 'log', template: 'GET <*> 503 <*>ms', level: 'error', count: 42, samples: ['GET /cart 503 12ms'] },
    ],
    ...overrides,
  };
}

/**
 * An open incident with one finding. With `status: 'resolved'` it also gets `resolvedAt` and
 * `resolution` unless the overrides set them.
 *
 * @example
 * ```ts
 * import { makeIncident } from '@aiops/testing';
 * const second = makeIncident({ epoch: 2 });
 * const closed = makeIncident({ status: 'resolved' });
 * ```
 */
export function makeIncident(overrides: Partial<Incident> = {}): Incident {
  const findings = overrides.findings ?? [makeFinding()];
  const resolved = overrides.status === 'resolved';
  return {
    fingerprint: 'a1b2c3d4e5f60718',
    epoch: 1,
    status: 'open',
    title: 'checkout error rate 38%',
    severity: 'high',
    labels: { service: 'checkout' },
    openedAt: FIXTURE_NOW,
    updatedAt: FIXTURE_NOW,
    lastFindingAt: FIXTURE_NOW,
    ...(resolved ? { resolvedAt: FIXTURE_NOW + 300_000, resolution: 'detector' as const } : {}),
    findings,
    counts: { findings: findings.length, series: new Set(findings.map((f) => f.seriesKey)).size },
    ...overrides,
  };
}

/** The reference of an incident: its fingerprint and epoch. */
function refOf(incident: Pick<Incident, 'fingerprint' | 'epoch'>): IncidentRef {
  return { fingerprint: incident.fingerprint, epoch: incident.epoch };
}

/**
 * An analysis of the default incident that proposes `restart-service` for `checkout`. Pass
 * `proposedAction: null` for an analysis that proposes nothing.
 *
 * @example
 * ```ts
 * import { makeAnalysis, makeIncident } from '@aiops/testing';
 * const incident = makeIncident({ epoch: 3 });
 * const analysis = makeAnalysis({ incident: { fingerprint: incident.fingerprint, epoch: 3 }, proposedAction: null });
 * ```
 */
export function makeAnalysis(overrides: Partial<Analysis> = {}): Analysis {
  return {
    incident: refOf(makeIncident()),
    analyzer: 'scripted',
    summary: 'checkout returns 503 on 38% of requests',
    probableCause: 'the worker pool ran out of database connections',
    confidence: 0.8,
    severity: 'high',
    evidence: ['finding:0'],
    proposedAction: {
      runbookId: 'restart-service',
      parameters: { service: 'checkout' },
      rationale: 'a restart releases the stuck connections',
    },
    createdAt: FIXTURE_NOW + 5_000,
    ...overrides,
  };
}

/**
 * A plan to run `restart-service` on `checkout`. Its `id` follows the executor convention
 * `<fingerprint>:<epoch>:<runbookId>` from the (overridden) incident and runbook unless given.
 *
 * @example
 * ```ts
 * import { makeActionPlan } from '@aiops/testing';
 * const plan = makeActionPlan({ runbookId: 'scale-out', parameters: { service: 'checkout', count: 2 } });
 * plan.id; // 'a1b2c3d4e5f60718:1:scale-out'
 * ```
 */
export function makeActionPlan(overrides: Partial<ActionPlan> = {}): ActionPlan {
  const incident = overrides.incident ?? refOf(makeIncident());
  const runbookId = overrides.runbookId ?? 'restart-service';
  return {
    id: `${incident.fingerprint}:${incident.epoch}:${runbookId}`,
    incident,
    runbookId,
    parameters: { service: 'checkout' },
    target: 'checkout',
    dryRun: false,
    rationale: 'a restart releases the stuck connections',
    createdAt: FIXTURE_NOW + 6_000,
    ...overrides,
  };
}

/**
 * The {@link ActionResult} of one status.
 *
 * @example
 * ```ts
 * import { type ActionResultOf, makeActionResult } from '@aiops/testing';
 * const failed: ActionResultOf<'failed'> = makeActionResult({ status: 'failed', reason: 'exit code 1' });
 * failed.reason; // no narrowing needed: the type holds only the `failed` variant
 * ```
 */
export type ActionResultOf<S extends ActionStatus> = Extract<ActionResult, { status: S }>;

/**
 * The result of running the default plan: `succeeded` unless `status` says otherwise, with the
 * fields that status needs (`reason`, or `approvalId` and `expiresAt`) filled in.
 *
 * @example
 * ```ts
 * import { makeActionResult } from '@aiops/testing';
 * const ok = makeActionResult({ verifyWithinMs: 60_000 });
 * const failed = makeActionResult({ status: 'failed', reason: 'exit code 1' });
 * ```
 */
export function makeActionResult<S extends ActionStatus = 'succeeded'>(
  overrides: Partial<ActionResultOf<S>> & { status?: S } = {},
): ActionResultOf<S> {
  const status: ActionStatus = overrides.status ?? 'succeeded';
  const plan = makeActionPlan();
  const base = {
    planId: plan.id,
    runbookId: plan.runbookId,
    executor: 'recording',
    target: 'checkout',
    startedAt: FIXTURE_NOW + 7_000,
    finishedAt: FIXTURE_NOW + 9_000,
  };
  const extra =
    status === 'succeeded'
      ? {}
      : status === 'awaiting-approval'
        ? { approvalId: `${plan.id}:approval`, expiresAt: FIXTURE_NOW + 900_000 }
        : { reason: `${status} in a fixture` };
  return { status, ...base, ...extra, ...overrides } as ActionResultOf<S>;
}

/**
 * The runbook the whole design is built around: restart a service, low risk, no approval.
 *
 * @example
 * ```ts
 * import { makeRunbookSummary } from '@aiops/testing';
 * const risky = makeRunbookSummary({ id: 'failover-db', title: 'Fail over the database', risk: 'high', approval: 'required' });
 * ```
 */
export function makeRunbookSummary(overrides: Partial<RunbookSummary> = {}): RunbookSummary {
  return {
    id: 'restart-service',
    title: 'Restart a service',
    description: 'Restarts the service process and waits until it answers its health check',
    tags: ['restart'],
    risk: 'low',
    approval: 'none',
    parameters: {
      type: 'object',
      properties: { service: { type: 'string', pattern: '^[a-z0-9-]{1,64}$', description: 'service name' } },
      required: ['service'],
      additionalProperties: false,
    },
    match: { kinds: ['error-rate-spike'], services: ['*'] },
    ...overrides,
  };
}

/**
 * A read-only catalog over a fixed list of runbooks, for analyzers under test.
 *
 * @example
 * ```ts
 * import { makeRunbookSummary, staticCatalog } from '@aiops/testing';
 * const catalog = staticCatalog([makeRunbookSummary(), makeRunbookSummary({ id: 'scale-out', title: 'Scale out' })]);
 * catalog.get('scale-out')?.title; // 'Scale out'
 * ```
 */
export function staticCatalog(runbooks: readonly RunbookSummary[] = [makeRunbookSummary()]): RunbookCatalogView {
  const list = [...runbooks];
  const byId = new Map(list.map((r) => [r.id, r]));
  return { list: () => list, get: (id) => byId.get(id) };
}

/**
 * One valid event of the given type about the default incident (resolved for `incident.resolved`),
 * with the analysis, plan and result that type carries. The id follows the core convention
 * `<fingerprint>:<epoch>:<seq>:<type>`, `seq` being the type's place in an incident's life.
 *
 * @example
 * ```ts
 * import { INCIDENT_EVENT_TYPES } from '@aiops/core';
 * import { makeIncidentEvent } from '@aiops/testing';
 * const failed = makeIncidentEvent('action.failed');
 * failed.result.status; // 'failed'
 * const everyType = INCIDENT_EVENT_TYPES.map((type) => makeIncidentEvent(type));
 * ```
 */
export function makeIncidentEvent<T extends IncidentEventType>(
  type: T,
  overrides: Partial<IncidentEventOf<T>> = {},
): IncidentEventOf<T> {
  const incident = overrides.incident ?? makeIncident(type === 'incident.resolved' ? { status: 'resolved' } : {});
  const ref = refOf(incident);
  const seq = INCIDENT_EVENT_TYPES.indexOf(type) + 1;
  const plan = makeActionPlan({ incident: ref });
  const base = { type, id: `${ref.fingerprint}:${ref.epoch}:${seq}:${type}`, at: FIXTURE_NOW + seq * 1_000, incident };
  return { ...base, ...eventExtra(type, ref, plan), ...overrides } as IncidentEventOf<T>;
}

function eventExtra(type: IncidentEventType, ref: IncidentRef, plan: ActionPlan): Record<string, unknown> {
  const result = { planId: plan.id, runbookId: plan.runbookId };
  switch (type) {
    case 'incident.opened':
    case 'incident.resolved':
      return {};
    case 'incident.updated':
      return { reminder: false };
    case 'incident.analyzed':
      return { analysis: makeAnalysis({ incident: ref }) };
    case 'action.awaiting-approval':
      return { plan, result: makeActionResult({ status: 'awaiting-approval', ...result }) };
    case 'action.started':
    case 'incident.verified':
      return { plan };
    case 'action.succeeded':
      return { plan, result: makeActionResult({ ...result, verifyWithinMs: 60_000 }) };
    case 'action.failed':
      return { plan, result: makeActionResult({ status: 'failed', ...result, reason: 'exit code 1' }) };
    case 'action.skipped':
      return { plan, reason: 'cooldown: restart-service ran on checkout 4 minutes ago' };
    case 'incident.escalated':
      return { reason: 'the error rate did not clear within 60s of restart-service' };
  }
}
