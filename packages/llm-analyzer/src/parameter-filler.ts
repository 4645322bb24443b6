import { compileParameters, type ParameterSchema, type RunbookSummary } from '@aiops/core';
import type { IncidentFacts } from './incident-facts.js';

/** Field names that hold the value of a parameter named like the key. */
const RELATED: readonly [RegExp, readonly string[]][] = [
  [/service|app/, ['service', 'servicename', 'app', 'application', 'ecsservice', 'component']],
  [/instance|host|node|target/, ['instanceid', 'instance', 'host', 'hostname', 'node', 'nodename']],
  [/asg|autoscaling|scalinggroup/, ['autoscalinggroupname', 'asg', 'autoscalinggroup']],
  [/cluster/, ['clustername', 'cluster', 'cacheclusterid', 'dbclusteridentifier', 'replicationgroupid']],
  [/cache|redis/, ['cacheclusterid', 'replicationgroupid', 'cache', 'cachename']],
  [/db|database/, ['dbinstanceidentifier', 'dbclusteridentifier', 'database', 'db']],
  [/function|lambda/, ['functionname', 'function']],
  [/queue/, ['queuename', 'queue']],
  [/table/, ['tablename', 'table']],
  [/loggroup/, ['loggroup', 'log_group', 'loggroupname']],
  [/deploy|release|version|revision/, ['deploymentid', 'deployment', 'version', 'revision', 'release']],
  [/path|mount|volume|filesystem|device/, ['path', 'mountpath', 'mountpoint', 'filesystem', 'device', 'volume']],
  [/pool/, ['pool', 'poolname', 'datasource']],
];

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * What {@link fillParameters} found: the values, which parameters it could not fill, and where each
 * value came from.
 *
 * @example
 * ```ts
 * import type { FilledParameters } from '@aiops/llm-analyzer';
 * const ready = (f: FilledParameters) => f.missing.length === 0;
 * ```
 */
export interface FilledParameters {
  readonly values: Record<string, string | number | boolean>;
  readonly missing: readonly string[];
  /** Parameter name → where its value came from, e.g. `InstanceId`, `default`, `text`. */
  readonly sources: Readonly<Record<string, string>>;
}

/**
 * Fills a runbook's parameters from an incident's facts without a model: an enum value the incident
 * names (in a structured field, then in its text), a structured field of the
 * same or a related name (`service` ← `service` label or the log group's last segment, `instanceId` ←
 * the `InstanceId` dimension...), then any structured value that fits a distinctive pattern (an
 * instance id pattern, say), then (with `fromText`, off by default: log text is attacker-writable)
 * a value of that kind, or one the text names after the parameter ("cluster catalog-cache", a key
 * namespace for a `prefix`), said by at least two records, then the schema's default, then the
 * first value of an enum (authors list the usual one first), the minimum of a number, `false`. Every value passes
 * the parameter's own schema.
 *
 * @example
 * ```ts
 * import { fillParameters, incidentFacts } from '@aiops/llm-analyzer';
 * import { makeIncident, makeRunbookSummary } from '@aiops/testing';
 * fillParameters(makeRunbookSummary(), incidentFacts(makeIncident())).values; // { service: 'checkout' }
 * ```
 */
export function fillParameters(
  runbook: RunbookSummary,
  facts: IncidentFacts,
  options: { fromText?: boolean } = {},
): FilledParameters {
  const values: Record<string, string | number | boolean> = {};
  const sources: Record<string, string> = {};
  const missing: string[] = [];
  const required = new Set(runbook.parameters.required ?? []);
  for (const [name, schema] of Object.entries(runbook.parameters.properties)) {
    const fits = singleCheck(name, schema);
    const allowText = options.fromText ?? false;
    const found =
      fromEnum(schema, facts, fits) ??
      fromFields(name, facts, fits) ??
      fromPattern(schema, facts, fits, allowText) ??
      (allowText ? fromNamedText(name, schema, facts, fits) : undefined) ??
      fallback(schema, fits);
    if (found) {
      values[name] = found.value;
      sources[name] = found.source;
    } else if (required.has(name)) missing.push(name);
  }
  return { values, missing, sources };
}

type Fits = (value: unknown) => boolean;
type Found = { value: string | number | boolean; source: string } | undefined;

function singleCheck(name: string, schema: ParameterSchema): Fits {
  const check = compileParameters({ type: 'object', properties: { [name]: schema }, required: [name] });
  return (value) => check({ [name]: value }).ok;
}

function fromFields(name: string, facts: IncidentFacts, fits: Fits): Found {
  const key = norm(name);
  const wanted = new Set([key]);
  for (const [re, fields] of RELATED) if (re.test(key)) for (const f of fields) wanted.add(f);
  // Exact name first, then related names in the order listed.
  const order = [...wanted];
  for (const w of order) {
    for (const [field, vals] of facts.fields) {
      if (norm(field) !== w) continue;
      for (const v of vals) {
        const typed = coerce(v);
        if (fits(typed)) return { value: typed, source: field };
        if (fits(v)) return { value: v, source: field };
      }
    }
  }
  return undefined;
}

// An enum value named by the incident: a structured value first, then a path or word in the text.
function fromEnum(schema: ParameterSchema, facts: IncidentFacts, fits: Fits): Found {
  if (!schema.enum || schema.enum.length === 0) return undefined;
  for (const v of schema.enum)
    if (typeof v === 'string' && facts.values.has(v) && fits(v)) return { value: v, source: 'enum' };
  for (const v of schema.enum) {
    if (typeof v !== 'string' || v.length < 2) continue;
    const re = new RegExp(`(?<![A-Za-z0-9_-])${escapeRegExp(v)}(?![A-Za-z0-9_-])`);
    if (facts.texts.some((t) => re.test(t)) && fits(v)) return { value: v, source: 'enum-text' };
  }
  return undefined;
}

// How many records say `value`: the weights of the evidence items whose text contains it.
function recurrence(facts: IncidentFacts, has: (text: string) => boolean): number {
  let n = 0;
  for (const g of facts.textGroups) if (g.texts.some(has)) n += g.weight;
  return n;
}

/** Candidates from text, kept when at least two records say them, most said first. */
function fromText(facts: IncidentFacts, candidates: Iterable<string>, fits: Fits): Found {
  let best: { value: string; n: number } | undefined;
  for (const c of new Set(candidates)) {
    if (!fits(c)) continue;
    const n = recurrence(facts, (t) => t.includes(c));
    if (n >= 2 && (!best || n > best.n)) best = { value: c, n };
  }
  return best ? { value: best.value, source: 'text' } : undefined;
}

const words = (name: string) =>
  name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 2);

// A value the text names after the parameter's name or a related word: "cluster catalog-cache",
// "table=orders", "key product:88123" for a prefix.
function fromNamedText(name: string, schema: ParameterSchema, facts: IncidentFacts, fits: Fits): Found {
  if (schema.type !== 'string') return undefined;
  const key = norm(name);
  const names = new Set(words(name));
  for (const [re, fields] of RELATED) if (re.test(key)) for (const f of fields) if (f.length > 2) names.add(f);
  const prefixLike = /prefix|namespace/.test(key);
  const found: string[] = [];
  const named = new RegExp(
    `\\b(?:${[...names].map(escapeRegExp).join('|')})\\s*[=:]?\\s*["']?([A-Za-z0-9][A-Za-z0-9._/-]{0,62})`,
    'gi',
  );
  for (const text of facts.texts) {
    for (const m of text.matchAll(named)) found.push(m[1]!);
    if (prefixLike)
      for (const m of text.matchAll(/\b(?:key|keys|entry|cached\s+\w+)\s+([a-z][a-z0-9_-]{0,62}):\S/gi))
        found.push(m[1]!);
  }
  return fromText(facts, found, fits);
}

function fromPattern(schema: ParameterSchema, facts: IncidentFacts, fits: Fits, allowText: boolean): Found {
  if (schema.type !== 'string' || !schema.pattern || schema.enum || !isDistinctive(fits)) return undefined;
  for (const v of facts.values) if (fits(v)) return { value: v, source: 'pattern' };
  if (!allowText) return undefined;
  const tokens = facts.texts.flatMap((t) => t.split(/[\s"'(),;=[\]{}<>|]+/).map((x) => x.replace(/[.:]+$/, '')));
  return fromText(facts, tokens, fits);
}

// A pattern is distinctive when ordinary words and numbers fail it: then any value that fits it is
// almost surely the kind of thing the parameter names (an instance id, an ARN...).
function isDistinctive(fits: Fits): boolean {
  return !['checkout', 'error', 'high', 'firing', 'prod', '42', 'service-a'].some((w) => fits(w));
}

function fallback(schema: ParameterSchema, fits: Fits): Found {
  if (schema.default !== undefined && fits(schema.default)) return { value: schema.default, source: 'default' };
  // The runbook's author lists an enum's values most usual first: take the first when nothing is named.
  if (schema.enum && schema.enum.length > 0 && fits(schema.enum[0]))
    return { value: schema.enum[0]!, source: 'enum-first' };
  if ((schema.type === 'integer' || schema.type === 'number') && schema.minimum !== undefined && fits(schema.minimum)) {
    return { value: schema.minimum, source: 'minimum' };
  }
  if (schema.type === 'boolean') return { value: false, source: 'conservative' };
  return undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function coerce(v: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (v === 'true' || v === 'false') return v === 'true';
  return v;
}
