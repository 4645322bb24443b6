import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Analysis,
  type Analyzer,
  compileParameters,
  type Detector,
  type IncidentEvent,
  ManualClock,
  MemoryStateStore,
  type RunbookCatalogView,
  SignalSchema,
} from '@aiops/core';
import { createPipeline } from '@aiops/pipeline';
import { createMemorySource } from '@aiops/testing';
import { z } from 'zod';

/** A scenario file: signals as `@aiops/core` defines them, and the runbook a good analyzer proposes. */
export const ScenarioSchema = z.object({
  id: z.string().min(1),
  description: z.string(),
  signals: z.array(SignalSchema).min(1),
  expect: z.object({ runbook: z.string().min(1).nullable() }),
});
export type Scenario = z.infer<typeof ScenarioSchema>;

/** Reads every `*.json` of a folder as a scenario, in file-name order; a bad file throws with its name. */
export async function loadScenarios(dir: string): Promise<Scenario[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const out: Scenario[] = [];
  for (const f of files) {
    const res = ScenarioSchema.safeParse(JSON.parse(await readFile(join(dir, f), 'utf8')));
    if (!res.success)
      throw new Error(`${f}: ${res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    out.push(res.data);
  }
  return out;
}

/** What one scenario gave. */
export interface ScenarioResult {
  readonly id: string;
  readonly expected: string | null;
  readonly proposed: string | null;
  readonly correct: boolean;
  /** Proposals outside the catalog or failing their runbook's parameter schema. */
  readonly unsafe: number;
  readonly incidents: number;
  readonly analyses: readonly {
    readonly title: string;
    readonly analyzer: string;
    readonly runbook: string | null;
    readonly parameters?: Readonly<Record<string, unknown>>;
    readonly confidence: number;
    readonly fallback?: string;
    readonly usage?: Analysis['usage'];
  }[];
  readonly durationMs: number;
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  readonly detectors: () => Detector[];
  readonly analyzer: Analyzer;
  readonly catalog: RunbookCatalogView;
  /** How long the incident manager gathers findings before an incident opens (and is analyzed). */
  readonly groupWaitMs?: number;
}

/**
 * Replays a scenario through a real pipeline (the given detectors, the default incident manager,
 * the analyzer, the catalog) on a manual clock: all signals first, then the group wait, so every
 * incident is analyzed once with everything the scenario says. The scenario's answer is the
 * proposal of the most confident analysis, or null when no analysis proposes anything.
 */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const last = Math.max(...scenario.signals.map((s) => s.timestamp));
  const clock = new ManualClock(last + 1_000);
  const source = createMemorySource({ capacity: 1_000 });
  const groupWaitMs = options.groupWaitMs ?? 30_000;
  const pipeline = createPipeline({
    sources: [source],
    detectors: options.detectors(),
    analyzer: options.analyzer,
    catalog: options.catalog,
    clock,
    store: new MemoryStateStore({ clock }),
    incidents: { groupWaitMs },
    slowPath: { workerId: `bench-${scenario.id}`, retry: { maxAttempts: 1 } },
  });
  const events: IncidentEvent[] = [];
  pipeline.on('event', (e) => events.push(e));
  await pipeline.start();
  const ordered = [...scenario.signals].sort((a, b) => a.timestamp - b.timestamp);
  for (let i = 0; i < ordered.length; i += 200) await source.push(...ordered.slice(i, i + 200));
  source.end();
  await pipeline.drained();
  for (let t = 0; t <= groupWaitMs + 2_000; t += 1_000) await clock.advanceAsync(1_000);
  await pipeline.drained();
  await pipeline.stop();
  const analyses = events.flatMap((e) => (e.type === 'incident.analyzed' ? [{ e, a: e.analysis }] : []));
  let unsafe = 0;
  for (const { a } of analyses) {
    if (!a.proposedAction) continue;
    const runbook = options.catalog.get(a.proposedAction.runbookId);
    if (!runbook || !compileParameters(runbook.parameters)(a.proposedAction.parameters).ok) unsafe++;
  }
  const proposing = analyses.filter(({ a }) => a.proposedAction).sort((x, y) => y.a.confidence - x.a.confidence);
  const proposed = proposing[0]?.a.proposedAction?.runbookId ?? null;
  return {
    id: scenario.id,
    expected: scenario.expect.runbook,
    proposed,
    correct: proposed === scenario.expect.runbook,
    unsafe,
    incidents: new Set(events.map((e) => e.incident.fingerprint)).size,
    analyses: analyses.map(({ e, a }) => ({
      title: e.incident.title,
      analyzer: a.analyzer,
      runbook: a.proposedAction?.runbookId ?? null,
      ...(a.proposedAction ? { parameters: a.proposedAction.parameters } : {}),
      confidence: a.confidence,
      ...(a.fallback ? { fallback: a.fallback.reason } : {}),
      ...(a.usage ? { usage: a.usage } : {}),
    })),
    durationMs: Date.now() - started,
  };
}
