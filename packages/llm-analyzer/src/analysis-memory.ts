import { type Analysis, type Incident, type StateStore, stableHash, updateItem } from '@aiops/core';

/**
 * A past incident and what was concluded about it, kept in the store so that later incidents can
 * be shown similar ones ("last time this fired, restarting checkout fixed it").
 *
 * @example
 * ```ts
 * import type { PastAnalysis } from '@aiops/llm-analyzer';
 * const line = (p: PastAnalysis) => `${p.title}: ${p.runbookId ?? 'no action'}`;
 * ```
 */
export interface PastAnalysis {
  readonly fingerprint: string;
  readonly epoch: number;
  readonly at: number;
  readonly title: string;
  readonly kinds: readonly string[];
  readonly summary: string;
  readonly probableCause: string;
  readonly runbookId: string | null;
  /** Set by {@link AnalysisMemory.similar}: the same fingerprint as the incident asked about. */
  readonly sameFingerprint?: boolean;
}

interface RecentEntry {
  readonly signature: string;
  readonly at: number;
  readonly analysis: Analysis;
}

const MAX_PER_GROUP = 20;

/**
 * Where the analyzer keeps its memory in the host's {@link StateStore}: the latest analysis per
 * fingerprint (for reuse) and short lists of past analyses per fingerprint and per service (for
 * similar incidents). Every key starts with `prefix`.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { AnalysisMemory } from '@aiops/llm-analyzer';
 * const memory = new AnalysisMemory('llm-analyzer/', 30 * 24 * 3_600_000);
 * await memory.similar(new MemoryStateStore(), { fingerprint: 'f', epoch: 1, labels: {}, findings: [] } as never, 3);
 * ```
 */
export class AnalysisMemory {
  readonly #prefix: string;
  readonly #retentionMs: number;

  constructor(prefix: string, retentionMs: number) {
    this.#prefix = prefix;
    this.#retentionMs = retentionMs;
  }

  /** The signature of what an incident is about now: its firing (detector, kind, series) triples. */
  static signature(incident: Incident): string {
    const parts = incident.findings
      .filter((f) => f.status === 'firing')
      .map((f) => `${f.detector}|${f.kind}|${f.seriesKey}`);
    return stableHash([...new Set(parts)].sort().join('\n'));
  }

  /** The latest analysis of this fingerprint if it is younger than `maxAgeMs` and about the same findings. */
  async recent(store: StateStore, incident: Incident, now: number, maxAgeMs: number): Promise<Analysis | undefined> {
    if (maxAgeMs <= 0) return undefined;
    const item = await store.get<RecentEntry>(`${this.#prefix}recent/${incident.fingerprint}`);
    if (!item || now - item.value.at > maxAgeMs) return undefined;
    return item.value.signature === AnalysisMemory.signature(incident) ? item.value.analysis : undefined;
  }

  /** Records an analysis for reuse and for similar-incident lookups. */
  async remember(store: StateStore, incident: Incident, analysis: Analysis, now: number): Promise<void> {
    const entry: RecentEntry = { signature: AnalysisMemory.signature(incident), at: now, analysis };
    const expiresAt = now + this.#retentionMs;
    await store.put(`${this.#prefix}recent/${incident.fingerprint}`, entry, { expiresAt });
    const past: PastAnalysis = {
      fingerprint: incident.fingerprint,
      epoch: incident.epoch,
      at: now,
      title: incident.title,
      kinds: [...new Set(incident.findings.map((f) => f.kind))],
      summary: analysis.summary,
      probableCause: analysis.probableCause,
      runbookId: analysis.proposedAction?.runbookId ?? null,
    };
    for (const key of this.#groupKeys(incident)) {
      await updateItem<PastAnalysis[]>(
        store,
        key,
        (list = []) =>
          [past, ...list.filter((p) => !(p.fingerprint === past.fingerprint && p.epoch === past.epoch))].slice(
            0,
            MAX_PER_GROUP,
          ),
        { expiresAt },
      );
    }
  }

  /**
   * Past analyses that look like this incident, most alike first: earlier epochs of the same
   * fingerprint, then incidents of the same service sharing finding kinds, newest first.
   */
  async similar(store: StateStore, incident: Incident, limit: number): Promise<PastAnalysis[]> {
    if (limit <= 0) return [];
    const seen = new Map<string, PastAnalysis>();
    for (const key of this.#groupKeys(incident)) {
      const item = await store.get<PastAnalysis[]>(key);
      for (const p of item?.value ?? []) {
        if (p.fingerprint === incident.fingerprint && p.epoch >= incident.epoch) continue;
        seen.set(`${p.fingerprint}:${p.epoch}`, { ...p, sameFingerprint: p.fingerprint === incident.fingerprint });
      }
    }
    const kinds = new Set(incident.findings.map((f) => f.kind));
    const overlap = (p: PastAnalysis) => p.kinds.filter((k) => kinds.has(k)).length;
    return [...seen.values()]
      .filter((p) => p.sameFingerprint || overlap(p) > 0)
      .sort((a, b) => Number(b.sameFingerprint) - Number(a.sameFingerprint) || overlap(b) - overlap(a) || b.at - a.at)
      .slice(0, limit);
  }

  #groupKeys(incident: Incident): string[] {
    const keys = [`${this.#prefix}similar/fp/${incident.fingerprint}`];
    const service = incident.labels.service ?? incident.findings.find((f) => f.labels.service)?.labels.service;
    if (service) keys.push(`${this.#prefix}similar/service/${stableHash(service)}`);
    return keys;
  }
}
