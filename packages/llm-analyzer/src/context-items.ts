import type { Finding, Incident, RunbookSummary } from '@aiops/core';
import type { PastAnalysis } from './analysis-memory.js';

/** Longest text kept per field, in characters, before the token budget applies. */
export const FIELD_CHARS = {
  title: 300,
  sample: 400,
  template: 300,
  reason: 400,
  label: 120,
  note: 400,
  description: 400,
  summary: 300,
} as const;

/** How much of each kind of item the prompt holds; the budget lowers these one step at a time. */
export interface ContextLevels {
  findings: number;
  alarms: number;
  metrics: number;
  templates: number;
  samples: number;
  points: number;
  notes: number;
  history: number;
  runbooks: number;
  /** Multiplies every field's character limit (1 at first, lower under pressure). */
  charScale: number;
}

/** The pieces of evidence the context builder can show, each tied to its finding. */
export interface EvidenceItems {
  readonly findings: readonly { readonly index: number; readonly finding: Finding }[];
  readonly alarms: readonly { finding: number; alarmName: string; state: string; reason: string }[];
  readonly templates: readonly {
    finding: number;
    template?: string;
    level?: string;
    count: number;
    samples: readonly string[];
  }[];
  readonly metrics: readonly {
    finding: number;
    name: string;
    unit?: string;
    baseline?: number;
    threshold?: number;
    points: readonly { t: number; v: number }[];
  }[];
  readonly notes: readonly { finding: number; text: string }[];
}

/**
 * Flattens an incident's findings into evidence items, strongest finding first; log templates are
 * merged across findings by template text and ordered by count.
 */
export function evidenceItems(incident: Incident): EvidenceItems {
  const order = incident.findings
    .map((finding, index) => ({ index, finding }))
    .sort(
      (a, b) =>
        Number(b.finding.status === 'firing') - Number(a.finding.status === 'firing') ||
        b.finding.score - a.finding.score ||
        a.index - b.index,
    );
  const alarms: EvidenceItems['alarms'][number][] = [];
  const templates = new Map<string, EvidenceItems['templates'][number] & { samples: string[] }>();
  const metrics: EvidenceItems['metrics'][number][] = [];
  const notes: EvidenceItems['notes'][number][] = [];
  for (const { index, finding } of order) {
    for (const e of finding.evidence) {
      switch (e.type) {
        case 'alarm':
          alarms.push({ finding: index, alarmName: e.alarmName, state: e.state, reason: e.reason });
          break;
        case 'log': {
          const key = `${e.template ?? e.samples[0] ?? ''}|${e.level ?? ''}`;
          const seen = templates.get(key);
          if (seen) {
            seen.count += e.count;
            for (const s of e.samples) if (seen.samples.length < 10 && !seen.samples.includes(s)) seen.samples.push(s);
          } else {
            templates.set(key, {
              finding: index,
              ...(e.template === undefined ? {} : { template: e.template }),
              ...(e.level === undefined ? {} : { level: e.level }),
              count: e.count,
              samples: e.samples.slice(0, 10),
            });
          }
          break;
        }
        case 'metric':
          metrics.push({
            finding: index,
            name: e.name,
            ...(e.unit === undefined ? {} : { unit: e.unit }),
            ...(e.baseline === undefined ? {} : { baseline: e.baseline }),
            ...(e.threshold === undefined ? {} : { threshold: e.threshold }),
            points: e.points,
          });
          break;
        case 'note':
          notes.push({ finding: index, text: e.text });
          break;
        case 'records':
          break;
      }
    }
  }
  const byCount = [...templates.values()].sort((a, b) => b.count - a.count);
  return { findings: order, alarms, templates: byCount, metrics, notes };
}

/** Evenly spaced points, always keeping the first, the last, the highest and the lowest. */
export function downsample(points: readonly { t: number; v: number }[], max: number): { t: number; v: number }[] {
  if (points.length <= max) return [...points];
  if (max <= 0) return [];
  let hi = 0;
  let lo = 0;
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.v > points[hi]!.v) hi = i;
    if (points[i]!.v < points[lo]!.v) lo = i;
  }
  const keep = new Set([0, points.length - 1, hi, lo]);
  const step = (points.length - 1) / Math.max(1, max - 1);
  for (let k = 0; keep.size < max && k < max; k++) keep.add(Math.round(k * step));
  return [...keep].sort((a, b) => a - b).map((i) => points[i]!);
}

/** The part of a runbook a model needs to choose it and fill its parameters. */
export function runbookLine(r: RunbookSummary, clip: (s: string, n: number) => string): Record<string, unknown> {
  return {
    id: r.id,
    title: clip(r.title, FIELD_CHARS.title),
    description: clip(r.description, FIELD_CHARS.description),
    risk: r.risk,
    approval: r.approval,
    parameters: r.parameters,
    ...(r.tags.length > 0 ? { tags: r.tags.slice(0, 10) } : {}),
  };
}

/** A past incident as shown to the model. */
export function historyLine(h: PastAnalysis, ref: string, clip: (s: string, n: number) => string) {
  return {
    ref,
    sameFingerprint: h.sameFingerprint,
    at: new Date(h.at).toISOString(),
    title: clip(h.title, FIELD_CHARS.title),
    summary: clip(h.summary, FIELD_CHARS.summary),
    probableCause: clip(h.probableCause, FIELD_CHARS.summary),
    runbook: h.runbookId,
  };
}
