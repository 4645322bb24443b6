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
 * Fills a runbook's parameters from an incident's facts without a model: a structured field of the
 * same or a related name (`service` ← `service` label or the log group's last segment, `instanceId` ←
 * the `InstanceId` dimension...), then any structured value that fits a distinctive pattern (an
 * instance id pattern, say), then (with `fromText`, off by default: log text is attacker-writable)
 * the same in the free text, then the schema's default, then the
 * most conservative value (a lone enum value, the minimum of a number, `false`). Every value passes
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
    const found =
      fromFields(name, facts, fits) ??
      fromPattern(schema, facts, fits, options.fromText ?? false) ??
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

function fromPattern(schema: ParameterSchema, facts: IncidentFacts, fits: Fits, fromText: boolean): Found {
  if (schema.type !== 'string' || !schema.pattern || schema.enum || !isDistinctive(fits)) return undefined;
  for (const v of facts.values) if (fits(v)) return { value: v, source: 'pattern' };
  if (!fromText) return undefined;
  for (const text of facts.texts) {
    for (const token of text.split(/[\s"'(),;=[\]{}<>|]+/)) {
      const t = token.replace(/[.:]+$/, '');
      if (t.length > 0 && fits(t)) return { value: t, source: 'text' };
    }
  }
  return undefined;
}

// A pattern is distinctive when ordinary words and numbers fail it: then any value that fits it is
// almost surely the kind of thing the parameter names (an instance id, an ARN...).
function isDistinctive(fits: Fits): boolean {
  return !['checkout', 'error', 'high', 'firing', 'prod', '42', 'service-a'].some((w) => fits(w));
}

function fallback(schema: ParameterSchema, fits: Fits): Found {
  if (schema.default !== undefined && fits(schema.default)) return { value: schema.default, source: 'default' };
  if (schema.enum?.length === 1 && fits(schema.enum[0])) return { value: schema.enum[0]!, source: 'enum' };
  if ((schema.type === 'integer' || schema.type === 'number') && schema.minimum !== undefined && fits(schema.minimum)) {
    return { value: schema.minimum, source: 'minimum' };
  }
  if (schema.type === 'boolean') return { value: false, source: 'conservative' };
  return undefined;
}

function coerce(v: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (v === 'true' || v === 'false') return v === 'true';
  return v;
}
