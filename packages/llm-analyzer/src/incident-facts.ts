import type { Finding, Incident } from '@aiops/core';

/**
 * What an incident says about itself, gathered once from its labels, series keys and evidence, and
 * split by trust: `fields` hold structured values (labels, metric dimensions, series-key parts, alarm
 * and log group names) that detectors derived from record metadata; `texts` hold free text (titles,
 * templates, sample lines, alarm reasons) that anyone who can write a log line controls.
 *
 * @example
 * ```ts
 * import { incidentFacts } from '@aiops/llm-analyzer';
 * import { makeIncident } from '@aiops/testing';
 * const facts = incidentFacts(makeIncident());
 * facts.fields.get('service'); // Set { 'checkout' }
 * ```
 */
export interface IncidentFacts {
  readonly kinds: ReadonlySet<string>;
  readonly detectors: ReadonlySet<string>;
  readonly seriesKeys: readonly string[];
  readonly services: ReadonlySet<string>;
  readonly logGroups: ReadonlySet<string>;
  readonly alarmNames: ReadonlySet<string>;
  readonly metricNames: ReadonlySet<string>;
  /** Structured values by field name as written (`InstanceId`, `service`, `logGroup`...). */
  readonly fields: ReadonlyMap<string, ReadonlySet<string>>;
  /** Every structured value, for grounding checks. */
  readonly values: ReadonlySet<string>;
  /** Free text, untrusted. */
  readonly texts: readonly string[];
  /**
   * The same text by evidence item, with how many records each stands for (a log template's line
   * count; 1 for a title, an alarm reason or a note): how often the incident "says" something.
   */
  readonly textGroups: readonly { readonly texts: readonly string[]; readonly weight: number }[];
  readonly firing: number;
  readonly resolved: number;
  readonly maxScore: number;
  /** Log lines counted in log evidence at error level or above (or without a level in error findings). */
  readonly errorLines: number;
}

/**
 * Parses a series key made by `seriesKeyOf` back into its parts, undoing the backslash escapes.
 * Unknown shapes give `{ kind: 'other' }`.
 *
 * @example
 * ```ts
 * import { parseSeriesKey } from '@aiops/llm-analyzer';
 * parseSeriesKey('metric:AWS/EC2|CPUUtilization{InstanceId=i-1}');
 * // { kind: 'metric', namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { InstanceId: 'i-1' } }
 * ```
 */
export function parseSeriesKey(
  key: string,
):
  | { kind: 'metric'; namespace: string; name: string; dimensions: Record<string, string> }
  | { kind: 'log'; service: string }
  | { kind: 'loggroup'; logGroup: string }
  | { kind: 'alarm'; alarmName: string }
  | { kind: 'event'; source: string; detailType: string }
  | { kind: 'other' } {
  const colon = key.indexOf(':');
  const prefix = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  const parts = splitEscaped(rest, '|');
  switch (prefix) {
    case 'log':
      return { kind: 'log', service: unescapeKey(rest) };
    case 'loggroup':
      return { kind: 'loggroup', logGroup: unescapeKey(rest) };
    case 'alarm':
      return { kind: 'alarm', alarmName: unescapeKey(rest) };
    case 'event':
      return { kind: 'event', source: unescapeKey(parts[0] ?? ''), detailType: unescapeKey(parts[1] ?? '') };
    case 'metric': {
      const [ns = '', tail = ''] = parts;
      const brace = indexUnescaped(tail, '{');
      const name = brace < 0 ? tail : tail.slice(0, brace);
      const dimensions: Record<string, string> = {};
      if (brace >= 0) {
        for (const pair of splitEscaped(tail.slice(brace + 1, -1), ',')) {
          const [k = '', v = ''] = splitEscaped(pair, '=');
          if (k) dimensions[unescapeKey(k)] = unescapeKey(v);
        }
      }
      return { kind: 'metric', namespace: unescapeKey(ns), name: unescapeKey(name), dimensions };
    }
    default:
      return { kind: 'other' };
  }
}

/**
 * Gathers the {@link IncidentFacts} of an incident.
 *
 * @example
 * ```ts
 * import { incidentFacts } from '@aiops/llm-analyzer';
 * import { makeIncident } from '@aiops/testing';
 * incidentFacts(makeIncident()).kinds.has('error-rate-spike'); // true
 * ```
 */
export function incidentFacts(incident: Incident): IncidentFacts {
  const fields = new Map<string, Set<string>>();
  const add = (name: string, value: string | undefined): void => {
    if (value === undefined || value.length === 0 || value.length > 256) return;
    const set = fields.get(name);
    if (set) set.add(value);
    else fields.set(name, new Set([value]));
  };
  const texts: string[] = [];
  const textGroups: { texts: string[]; weight: number }[] = [];
  const pushText = textSink(texts, textGroups);
  const kinds = new Set<string>();
  const detectors = new Set<string>();
  const metricNames = new Set<string>();
  let firing = 0;
  let resolved = 0;
  let maxScore = 0;
  let errorLines = 0;
  for (const [k, v] of Object.entries(incident.labels)) add(k, v);
  if (incident.title) pushText(incident.title);
  for (const f of incident.findings) {
    kinds.add(f.kind);
    detectors.add(f.detector);
    if (f.status === 'firing') firing++;
    else resolved++;
    maxScore = Math.max(maxScore, f.score);
    if (f.title) pushText(f.title);
    for (const [k, v] of Object.entries(f.labels)) add(k, v);
    addSeriesKey(f.seriesKey, add, metricNames);
    errorLines += collectEvidence(f, add, pushText, metricNames);
  }
  for (const [name, set] of fields) {
    if (/^(log_?group|loggroup)$/i.test(name)) for (const lg of set) add('service', serviceOfLogGroup(lg));
  }
  const values = new Set<string>();
  for (const set of fields.values()) for (const v of set) values.add(v);
  const pick = (...names: string[]): Set<string> => new Set(names.flatMap((n) => [...(fields.get(n) ?? [])]));
  return {
    kinds,
    detectors,
    seriesKeys: incident.findings.map((f) => f.seriesKey),
    services: pick('service', 'Service', 'ServiceName', 'app', 'application'),
    logGroups: pick('logGroup', 'log_group', 'LogGroup', 'LogGroupName'),
    alarmNames: pick('alarmName', 'AlarmName', 'alarm'),
    metricNames,
    fields,
    values,
    texts,
    textGroups,
    firing,
    resolved,
    maxScore,
    errorLines,
  };
}

/**
 * A service name guessed from a log group: its last path segment (`/ecs/checkout` → `checkout`,
 * `/aws/lambda/orders-api` → `orders-api`).
 *
 * @example
 * ```ts
 * import { serviceOfLogGroup } from '@aiops/llm-analyzer';
 * serviceOfLogGroup('/aws/lambda/orders-api'); // 'orders-api'
 * ```
 */
export function serviceOfLogGroup(logGroup: string): string | undefined {
  const segments = logGroup.split('/').filter((s) => s.length > 0);
  return segments.at(-1);
}

type Add = (name: string, value: string | undefined) => void;

function addSeriesKey(key: string, add: Add, metricNames: Set<string>): void {
  const parsed = parseSeriesKey(key);
  switch (parsed.kind) {
    case 'metric':
      add('namespace', parsed.namespace);
      metricNames.add(parsed.name);
      for (const [k, v] of Object.entries(parsed.dimensions)) add(k, v);
      break;
    case 'log':
      add('service', parsed.service);
      break;
    case 'loggroup':
      add('logGroup', parsed.logGroup);
      break;
    case 'alarm':
      add('alarmName', parsed.alarmName);
      break;
    case 'event':
      add('eventSource', parsed.source);
      add('detailType', parsed.detailType);
      break;
  }
}

// Free text kept per incident: enough for matching, bounded for incidents at every schema limit.
const MAX_TEXT_CHARS = 200_000;
const MAX_SAMPLE_CHARS = 2_000;
const SAMPLES_PER_EVIDENCE = 10;

/** Adds a text; texts added with the same `group` object belong to one evidence item of `weight` records. */
type Sink = (text: string, group?: { weight: number }) => void;

function textSink(texts: string[], groups: { texts: string[]; weight: number }[]): Sink {
  let used = 0;
  const byKey = new Map<object, { texts: string[]; weight: number }>();
  return (text, group) => {
    if (used >= MAX_TEXT_CHARS) return;
    const t = text.length > MAX_SAMPLE_CHARS ? text.slice(0, MAX_SAMPLE_CHARS) : text;
    texts.push(t);
    used += t.length;
    const key = group ?? {};
    let g = byKey.get(key);
    if (!g) {
      g = { texts: [], weight: group?.weight ?? 1 };
      byKey.set(key, g);
      groups.push(g);
    }
    g.texts.push(t);
  };
}

function collectEvidence(f: Finding, add: Add, pushText: Sink, metricNames: Set<string>): number {
  let errorLines = 0;
  for (const e of f.evidence) {
    switch (e.type) {
      case 'log':
        {
          const group = { weight: Math.max(1, e.count) };
          if (e.template) pushText(e.template, group);
          for (const sample of e.samples.slice(0, SAMPLES_PER_EVIDENCE)) pushText(sample, group);
        }
        if (e.level === 'error' || e.level === 'fatal' || (!e.level && /error|exception|5xx/i.test(f.kind))) {
          errorLines += e.count;
        }
        break;
      case 'metric':
        metricNames.add(e.name);
        break;
      case 'alarm':
        add('alarmName', e.alarmName);
        pushText(e.reason);
        break;
      case 'note':
        pushText(e.text);
        break;
      case 'records':
        for (const o of e.origins) add('stream', o.stream);
        break;
    }
  }
  return errorLines;
}

function splitEscaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function indexUnescaped(s: string, ch: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ch) return i;
  }
  return -1;
}

function unescapeKey(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}
