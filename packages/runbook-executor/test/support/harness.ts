import { tmpdir } from 'node:os';
import {
  type ActionPlan,
  type Clock,
  type Incident,
  ManualClock,
  MemoryStateStore,
  type ProposedAction,
  type StateStore,
  type StepContext,
} from '@aiops/core';
import { createStepContext, FIXTURE_NOW, makeAnalysis, makeFinding, makeIncident } from '@aiops/testing';
import {
  type AuditRecord,
  createCatalog,
  createRunbookExecutor,
  type RunbookCatalog,
  type RunbookExecutor,
  type RunbookExecutorOptions,
} from '../../src/index.js';
import { memoryRepo } from './repo.js';

/** A catalog over files held in memory, with a folder root for local runbooks. */
export function memoryCatalog(
  files: Record<string, string>,
  root: string = tmpdir(),
): RunbookCatalog & { files: Record<string, string>; bump(): void } {
  let revision = 1;
  const catalog = createCatalog(
    { name: 'memory', pollIntervalMs: 60_000 },
    {
      revision: async () => `r${revision}`,
      snapshot: async (rev) => ({ revision: rev, files: memoryRepo(files), root }),
    },
  );
  return Object.assign(catalog, { files, bump: () => void revision++ });
}

/** An executor over an in-memory catalog, with helpers to plan and run proposals. */
export interface Harness {
  readonly executor: RunbookExecutor;
  readonly store: StateStore;
  readonly clock: ManualClock;
  readonly catalog: ReturnType<typeof memoryCatalog>;
  incident(overrides?: Partial<Incident>): Incident;
  plan(
    proposal: Partial<ProposedAction> & { runbookId: string },
    incident?: Incident,
  ): ReturnType<RunbookExecutor['plan']>;
  run(plan: ActionPlan, signal?: AbortSignal): ReturnType<RunbookExecutor['run']>;
  audit(): Promise<AuditRecord[]>;
  step(key: string, signal?: AbortSignal): StepContext;
}

export function harness(
  files: Record<string, string>,
  options: Omit<RunbookExecutorOptions, 'catalog' | 'store'> & {
    store?: StateStore;
    root?: string;
    catalog?: ReturnType<typeof memoryCatalog>;
  } = {},
): Harness {
  // Tests that need real time pass the system clock; they never call advance on it.
  const clock = ((options.clock as Clock | undefined) ?? new ManualClock(FIXTURE_NOW)) as ManualClock;
  const store = options.store ?? new MemoryStateStore({ clock });
  const catalog = options.catalog ?? memoryCatalog(files, options.root);
  const executor = createRunbookExecutor({ ...options, catalog, store, clock });
  let n = 0;
  const step = (key: string, signal?: AbortSignal): StepContext => ({
    ...createStepContext(key),
    clock,
    store,
    ...(signal ? { signal } : {}),
  });
  return {
    executor,
    store,
    clock,
    catalog,
    incident: (overrides = {}) =>
      makeIncident({
        fingerprint: `fp${String(++n).padStart(14, '0')}`,
        labels: { service: 'checkout' },
        findings: [makeFinding({ labels: { service: 'checkout', InstanceId: 'i-0123456789abcdef0' } })],
        ...overrides,
      }),
    plan(proposal, incident) {
      const inc = incident ?? this.incident();
      const full: ProposedAction = { parameters: {}, rationale: 'scripted', ...proposal };
      return executor.plan(
        { incident: inc, analysis: makeAnalysis({ proposedAction: full }), proposal: full },
        step(`${inc.fingerprint}:plan`),
      );
    },
    run: (plan, signal) => executor.run(plan, step(`${plan.id}:run`, signal)),
    async audit() {
      const out: AuditRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await executor.auditLog({ limit: 500, ...(cursor ? { cursor } : {}) });
        out.push(...page.records);
        cursor = page.cursor;
      } while (cursor);
      return out;
    },
    step,
  };
}
