import type { Incident, RunbookSummary } from '@aiops/core';
import type { PastAnalysis } from './analysis-memory.js';
import {
  type ContextLevels,
  downsample,
  type EvidenceItems,
  evidenceItems,
  FIELD_CHARS,
  historyLine,
  runbookLine,
} from './context-items.js';
import type { Redactor } from './redactor.js';
import type { TokenCounter } from './token-counter.js';

/**
 * What to cut, in this order, when the context is over its token budget. Each step lowers one limit
 * (halving it down to a floor) before the next step starts:
 *
 * 1. `history`: similar past incidents, down to none;
 * 2. `samples`: sample lines per log template, down to one;
 * 3. `points`: metric points per window, down to 8, then to statistics only;
 * 4. `notes`: detector notes, down to none;
 * 5. `templates`: the least frequent log templates, down to three;
 * 6. `metrics`: metric windows of the weakest findings, down to three;
 * 7. `findings`: the weakest findings (and their evidence), down to five;
 * 8. `runbooks`: the least relevant runbooks, down to three (a runbook left out cannot be proposed);
 * 9. `alarms`, then templates, metrics and findings again down to one each;
 * 10. `chars`: every text field shortened, down to a quarter of its limit;
 * 11. `lines`: as a last resort, evidence lines dropped from the end.
 *
 * The incident header, the strongest finding and three runbooks are always kept.
 *
 * @example
 * ```ts
 * import { TRUNCATION_ORDER } from '@aiops/llm-analyzer';
 * TRUNCATION_ORDER[0]; // 'history'
 * ```
 */
export const TRUNCATION_ORDER = [
  'history',
  'samples',
  'points',
  'notes',
  'templates',
  'metrics',
  'findings',
  'runbooks',
  'alarms',
  'templates-min',
  'metrics-min',
  'findings-min',
  'chars',
  'lines',
] as const;

const FLOORS: Record<Exclude<(typeof TRUNCATION_ORDER)[number], 'lines'>, [keyof ContextLevels, number]> = {
  history: ['history', 0],
  samples: ['samples', 1],
  points: ['points', 0],
  notes: ['notes', 0],
  templates: ['templates', 3],
  metrics: ['metrics', 3],
  findings: ['findings', 5],
  runbooks: ['runbooks', 3],
  alarms: ['alarms', 1],
  'templates-min': ['templates', 1],
  'metrics-min': ['metrics', 1],
  'findings-min': ['findings', 1],
  chars: ['charScale', 0.25],
};

/**
 * Starting limits of the context, before the budget applies.
 *
 * @example
 * ```ts
 * import type { ContextLimits } from '@aiops/llm-analyzer';
 * const limits: ContextLimits = { maxFindings: 40, maxTemplates: 20, maxSamplesPerTemplate: 5, maxMetricPoints: 60, maxHistory: 5, maxRunbooks: 40 };
 * ```
 */
export interface ContextLimits {
  readonly maxFindings: number;
  readonly maxTemplates: number;
  readonly maxSamplesPerTemplate: number;
  readonly maxMetricPoints: number;
  readonly maxHistory: number;
  readonly maxRunbooks: number;
}

/**
 * The context of one analysis: the untrusted incident data and the runbooks the model may choose
 * from, both as JSON lines, with the references the model may cite and what the budget cut.
 *
 * @example
 * ```ts
 * import type { AnalysisContext } from '@aiops/llm-analyzer';
 * const cut = (c: AnalysisContext) => c.truncated.join(', ') || 'nothing';
 * ```
 */
export interface AnalysisContext {
  /** JSON lines of incident data: redacted, untrusted, to be fenced. */
  readonly data: string;
  /** JSON lines, one per runbook offered. */
  readonly catalog: string;
  readonly runbooks: readonly RunbookSummary[];
  /** References the analysis may cite: `finding:0`, `template:1`, `metric:0`, `alarm:0`, `history:0`... */
  readonly refs: ReadonlySet<string>;
  readonly tokens: number;
  readonly budget: number;
  /** Truncation steps that were applied, in order (see {@link TRUNCATION_ORDER}). */
  readonly truncated: readonly string[];
}

/**
 * What {@link buildContext} needs: the incident, the runbooks most relevant first, past analyses,
 * the redactor and token counter, the budget and the starting limits.
 *
 * @example
 * ```ts
 * import type { BuildContextInput } from '@aiops/llm-analyzer';
 * const tighter = (input: BuildContextInput): BuildContextInput => ({ ...input, budgetTokens: input.budgetTokens / 2 });
 * ```
 */
export interface BuildContextInput {
  readonly incident: Incident;
  /** Runbooks, most relevant first. */
  readonly runbooks: readonly RunbookSummary[];
  readonly history: readonly PastAnalysis[];
  readonly redactor: Redactor;
  readonly counter: TokenCounter;
  readonly budgetTokens: number;
  readonly limits: ContextLimits;
}

/**
 * Builds the {@link AnalysisContext} of an incident within a token budget. Every string is redacted
 * (before clipping, so a clipped secret is never half-shown) and clipped to its field's limit; then,
 * while the count is over `budgetTokens`, the steps of {@link TRUNCATION_ORDER} apply.
 *
 * @example
 * ```ts
 * import { buildContext, createRedactor, createTokenCounter } from '@aiops/llm-analyzer';
 * import { makeIncident, makeRunbookSummary } from '@aiops/testing';
 * const ctx = buildContext({
 *   incident: makeIncident(), runbooks: [makeRunbookSummary()], history: [],
 *   redactor: createRedactor(), counter: createTokenCounter(), budgetTokens: 4_000,
 *   limits: { maxFindings: 40, maxTemplates: 20, maxSamplesPerTemplate: 5, maxMetricPoints: 60, maxHistory: 5, maxRunbooks: 50 },
 * });
 * ctx.refs.has('finding:0'); // true
 * ```
 */
export function buildContext(input: BuildContextInput): AnalysisContext {
  const items = evidenceItems(input.incident);
  const { limits } = input;
  const levels: ContextLevels = {
    findings: Math.min(limits.maxFindings, items.findings.length),
    alarms: 20,
    metrics: 20,
    templates: limits.maxTemplates,
    samples: limits.maxSamplesPerTemplate,
    points: limits.maxMetricPoints,
    notes: 10,
    history: Math.min(limits.maxHistory, input.history.length),
    runbooks: Math.min(limits.maxRunbooks, input.runbooks.length),
    charScale: 1,
  };
  const counts = new Map<string, number>();
  const countLine = (line: string): number => {
    const known = counts.get(line);
    if (known !== undefined) return known;
    const n = input.counter.count(line) + 1;
    counts.set(line, n);
    return n;
  };
  const truncated: string[] = [];
  let rendered = render(input, items, levels);
  let tokens = total(rendered, countLine);
  for (const step of TRUNCATION_ORDER) {
    if (step === 'lines') break;
    const [knob, floor] = FLOORS[step];
    while (tokens > input.budgetTokens && levels[knob] > floor) {
      levels[knob] =
        knob === 'charScale' ? Math.max(floor, levels[knob] / 2) : Math.max(floor, Math.floor(levels[knob] / 2));
      if (knob === 'points' && levels.points > 0 && levels.points < 8) levels.points = 0;
      if (truncated.at(-1) !== step) truncated.push(step);
      rendered = render(input, items, levels);
      tokens = total(rendered, countLine);
    }
    if (tokens <= input.budgetTokens) break;
  }
  // Last resort: drop evidence lines from the end, never the header or the strongest finding.
  while (tokens > input.budgetTokens && rendered.dataLines.length > 2) {
    if (truncated.at(-1) !== 'lines') truncated.push('lines');
    const dropped = rendered.dataLines.pop()!;
    const ref = /^\{"ref":"([^"]+)"/.exec(dropped)?.[1];
    if (ref) rendered.refs.delete(ref);
    tokens -= countLine(dropped);
  }
  return {
    ...rendered,
    data: rendered.dataLines.join('\n'),
    catalog: rendered.catalogLines.join('\n'),
    tokens,
    budget: input.budgetTokens,
    truncated,
  };
}

interface Rendered {
  readonly dataLines: string[];
  readonly catalogLines: string[];
  readonly runbooks: RunbookSummary[];
  readonly refs: Set<string>;
}

function total(r: Rendered, countLine: (l: string) => number): number {
  let n = 0;
  for (const l of r.dataLines) n += countLine(l);
  for (const l of r.catalogLines) n += countLine(l);
  return n;
}

function render(input: BuildContextInput, items: EvidenceItems, levels: ContextLevels): Rendered {
  const { redactor, incident } = input;
  const clip = (s: string, n: number): string => {
    const limit = Math.max(16, Math.floor(n * levels.charScale));
    // Redact a generous window first, so that clipping never leaves half of a secret behind.
    const safe = redactor.redact(s.length > limit + 4_096 ? s.slice(0, limit + 4_096) : s);
    return safe.length > limit ? `${safe.slice(0, limit - 1)}…` : safe;
  };
  const labels = (l: Readonly<Record<string, string>>) =>
    Object.fromEntries(
      Object.entries(l)
        .slice(0, 20)
        .map(([k, v]) => [clip(k, 60), clip(v, FIELD_CHARS.label)]),
    );
  const iso = (t: number) => new Date(t).toISOString();
  const refs = new Set<string>();
  const lines: string[] = [];
  const line = (o: Record<string, unknown>) => lines.push(JSON.stringify(o));
  line({
    ref: 'incident',
    title: clip(incident.title, FIELD_CHARS.title),
    severity: incident.severity,
    status: incident.status,
    labels: labels(incident.labels),
    openedAt: iso(incident.openedAt),
    lastFindingAt: iso(incident.lastFindingAt),
    findings: incident.counts.findings,
    series: incident.counts.series,
  });
  refs.add('incident');
  const shown = new Set(items.findings.slice(0, Math.max(1, levels.findings)).map((f) => f.index));
  for (const { index, finding: f } of items.findings) {
    if (!shown.has(index)) continue;
    refs.add(`finding:${index}`);
    line({
      ref: `finding:${index}`,
      detector: clip(f.detector, 80),
      kind: clip(f.kind, 80),
      series: clip(f.seriesKey, 200),
      status: f.status,
      score: Math.round(f.score * 1000) / 1000,
      ...(f.severity ? { severity: f.severity } : {}),
      ...(f.title ? { title: clip(f.title, FIELD_CHARS.title) } : {}),
      labels: labels(f.labels),
      startedAt: iso(f.startedAt),
      at: iso(f.at),
    });
  }
  const ofShown = <T extends { finding: number }>(list: readonly T[], max: number) =>
    list.filter((x) => shown.has(x.finding)).slice(0, max);
  ofShown(items.alarms, levels.alarms).forEach((a, i) => {
    refs.add(`alarm:${i}`);
    line({
      ref: `alarm:${i}`,
      finding: `finding:${a.finding}`,
      alarmName: clip(a.alarmName, 255),
      state: a.state,
      reason: clip(a.reason, FIELD_CHARS.reason),
    });
  });
  ofShown(items.templates, levels.templates).forEach((t, i) => {
    refs.add(`template:${i}`);
    line({
      ref: `template:${i}`,
      finding: `finding:${t.finding}`,
      ...(t.template ? { template: clip(t.template, FIELD_CHARS.template) } : {}),
      ...(t.level ? { level: t.level } : {}),
      count: t.count,
      samples: t.samples.slice(0, Math.max(1, levels.samples)).map((s) => clip(s, FIELD_CHARS.sample)),
    });
  });
  ofShown(items.metrics, levels.metrics).forEach((m, i) => {
    refs.add(`metric:${i}`);
    const values = m.points.map((p) => p.v);
    const start = m.points[0]?.t ?? 0;
    line({
      ref: `metric:${i}`,
      finding: `finding:${m.finding}`,
      name: clip(m.name, 200),
      ...(m.unit ? { unit: m.unit } : {}),
      ...(m.baseline === undefined ? {} : { baseline: m.baseline }),
      ...(m.threshold === undefined ? {} : { threshold: m.threshold }),
      ...(values.length > 0
        ? {
            min: Math.min(...values),
            max: Math.max(...values),
            last: values.at(-1),
            from: iso(start),
            to: iso(m.points.at(-1)!.t),
          }
        : {}),
      ...(levels.points > 0
        ? { points: downsample(m.points, levels.points).map((p) => [Math.round((p.t - start) / 1000), p.v]) }
        : {}),
    });
  });
  ofShown(items.notes, levels.notes).forEach((n, i) => {
    refs.add(`note:${i}`);
    line({ ref: `note:${i}`, finding: `finding:${n.finding}`, text: clip(n.text, FIELD_CHARS.note) });
  });
  input.history.slice(0, levels.history).forEach((h, i) => {
    refs.add(`history:${i}`);
    lines.push(JSON.stringify(historyLine(h, `history:${i}`, clip)));
  });
  const runbooks = input.runbooks.slice(0, levels.runbooks);
  const catalogLines = runbooks.map((r) => JSON.stringify(runbookLine(r, clip)));
  return { dataLines: lines, catalogLines, runbooks, refs };
}
