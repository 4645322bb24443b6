import { compileParameters, type Incident, type ParameterCheck, type ProposedAction } from '@aiops/core';
import type { Refusal } from './guardrails.js';
import type { Runbook } from './runbook-schema.js';
import { screenValue } from './value-screen.js';

/**
 * Validated parameter values of one plan.
 *
 * @example
 * ```ts
 * import type { ParameterValues } from '@aiops/runbook-executor';
 * const values: ParameterValues = { service: 'checkout', graceSeconds: 10 };
 * ```
 */
export type ParameterValues = Readonly<Record<string, string | number | boolean>>;

const validators = new WeakMap<Runbook['parameters'], (v: unknown) => ParameterCheck>();

function validatorOf(runbook: Runbook): (v: unknown) => ParameterCheck {
  let v = validators.get(runbook.parameters);
  if (!v) {
    v = compileParameters(runbook.parameters);
    validators.set(runbook.parameters, v);
  }
  return v;
}

/**
 * Works out a runbook's parameter values for a proposal: each parameter comes from the sources its
 * runbook lists under `inputs` (the proposal by default; or a label of the incident or of a firing
 * finding), first source with a value wins. A parameter whose sources do not include the proposal
 * is not the model's to choose: a proposal that sets it differently is refused. Every string then
 * passes the value screen, and everything the runbook's schema (core's `compileParameters`).
 *
 * @example
 * ```ts
 * import { resolveParameters, RunbookSchema } from '@aiops/runbook-executor';
 * import { makeIncident } from '@aiops/testing';
 * const runbook = RunbookSchema.parse({
 *   id: 'restart-ec2', title: 'Restart', risk: 'medium',
 *   parameters: { type: 'object', required: ['instanceId'], properties: { instanceId: { type: 'string', pattern: '^i-[0-9a-f]{8,17}$' } } },
 *   inputs: { instanceId: ['incident.labels.InstanceId'] },
 *   action: { type: 'local', argv: ['true'] },
 * });
 * const incident = makeIncident({ labels: { InstanceId: 'i-0123456789abcdef0' } });
 * resolveParameters(runbook, { incident, proposal: { runbookId: 'restart-ec2', parameters: {}, rationale: '' } });
 * // { ok: true, values: { instanceId: 'i-0123456789abcdef0' } }
 * ```
 */
export function resolveParameters(
  runbook: Runbook,
  request: { readonly incident: Incident; readonly proposal: ProposedAction },
  maxValueLength?: number,
): { readonly ok: true; readonly values: ParameterValues } | ({ readonly ok: false } & Refusal) {
  const proposed = request.proposal.parameters;
  const props = runbook.parameters.properties;
  const values: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(proposed)) {
    if (!(name in props)) values[name] = raw;
  }
  for (const [name, p] of Object.entries(props)) {
    const sources = runbook.inputs[name] ?? ['proposal'];
    let value: unknown;
    let from = '';
    for (const source of sources) {
      value = source === 'proposal' ? proposed[name] : coerce(labelOf(request.incident, source), p.type);
      if (value !== undefined) {
        from = source;
        break;
      }
    }
    if (!sources.includes('proposal') && proposed[name] !== undefined && proposed[name] !== value) {
      return {
        ok: false,
        code: 'input-mismatch',
        reason: `parameter ${name} comes from ${sources.join(' or ')}${value === undefined ? ' (absent)' : ` (${show(value)}, from ${from})`}; the proposal may not set it to ${show(proposed[name])}`,
      };
    }
    if (value !== undefined) values[name] = value;
  }
  return checkValues(runbook, values, maxValueLength);
}

/**
 * Screens values (see `screenValue`) and checks them against a runbook's parameter schema.
 *
 * @example
 * ```ts
 * import { checkValues, RunbookSchema } from '@aiops/runbook-executor';
 * const runbook = RunbookSchema.parse({
 *   id: 'r', title: 'R', risk: 'low', action: { type: 'local', argv: ['true'] },
 *   parameters: { type: 'object', properties: { n: { type: 'integer', maximum: 3 } } },
 * });
 * checkValues(runbook, { n: 5 }); // { ok: false, code: 'invalid-parameters', reason: 'n must be at most 3, got 5' }
 * ```
 */
export function checkValues(
  runbook: Runbook,
  values: Readonly<Record<string, unknown>>,
  maxValueLength?: number,
): { readonly ok: true; readonly values: ParameterValues } | ({ readonly ok: false } & Refusal) {
  const unsafe = Object.entries(values)
    .map(([name, v]) => screenValue(name, v, maxValueLength))
    .filter((f) => f !== undefined);
  if (unsafe.length > 0) {
    return {
      ok: false,
      code: 'unsafe-value',
      reason: unsafe.map((f) => `parameter ${f.name} holds ${f.message}`).join('; '),
    };
  }
  const check = validatorOf(runbook)(values);
  if (!check.ok) {
    return {
      ok: false,
      code: 'invalid-parameters',
      reason: check.issues.map((i) => `${i.path || 'parameters'} ${i.message}`).join('; '),
    };
  }
  return { ok: true, values: check.value };
}

function labelOf(incident: Incident, source: string): string | undefined {
  if (source.startsWith('incident.labels.')) return incident.labels[source.slice('incident.labels.'.length)];
  const key = source.slice('finding.labels.'.length);
  const firing = incident.findings.find((f) => f.status === 'firing' && f.labels[key] !== undefined);
  return (firing ?? incident.findings.find((f) => f.labels[key] !== undefined))?.labels[key];
}

function coerce(value: string | undefined, type: 'string' | 'integer' | 'number' | 'boolean'): unknown {
  if (value === undefined || type === 'string') return value;
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : value;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
