import {
  type ConfigIssue,
  compileParameters,
  type ParameterCheck,
  type ProposedAction,
  type RunbookCatalogView,
  type RunbookSummary,
} from '@aiops/core';
import type { IncidentFacts } from './incident-facts.js';

/**
 * How strictly string parameters must be grounded in the incident before a proposal is accepted:
 *
 * - `structured` (default): each free string value (no `enum` in its schema, not its default) must
 *   equal a structured value of the incident: a label, a metric dimension, a series-key part, an
 *   alarm or log group name. Text inside log lines does not count, so an instruction planted in a log
 *   cannot aim a runbook at a target the incident does not name.
 * - `evidence`: free text (titles, log lines, alarm reasons) counts too.
 * - `off`: only the runbook's schema applies.
 *
 * @example
 * ```ts
 * import type { Grounding } from '@aiops/llm-analyzer';
 * const strict: Grounding = 'structured';
 * ```
 */
export type Grounding = 'structured' | 'evidence' | 'off';

/**
 * What {@link checkProposal} decided: the proposal as it may go to the executor (parameters with the
 * schema's defaults applied), or why it was refused.
 *
 * @example
 * ```ts
 * import type { ProposalCheck } from '@aiops/llm-analyzer';
 * const why = (c: ProposalCheck) => (c.ok ? 'accepted' : c.reason);
 * ```
 */
export type ProposalCheck =
  | { readonly ok: true; readonly proposal: ProposedAction; readonly runbook: RunbookSummary }
  | { readonly ok: false; readonly reason: string; readonly issues: readonly ConfigIssue[] };

/**
 * Options of {@link checkProposal}.
 *
 * @example
 * ```ts
 * import type { ProposalGuardOptions } from '@aiops/llm-analyzer';
 * const opts: ProposalGuardOptions = { grounding: 'structured', allowedRunbooks: ['restart-service'] };
 * ```
 */
export interface ProposalGuardOptions {
  readonly grounding?: Grounding;
  /** When set, only these catalog ids may be proposed. */
  readonly allowedRunbooks?: readonly string[];
  /** Facts of the incident, required unless `grounding` is `off`. */
  readonly facts?: IncidentFacts;
}

const MAX_RATIONALE_CHARS = 2_000;
// Characters that let a value change what a shell or a path resolver does. Refused in strings whose
// schema does not constrain them with a pattern or an enum.
const UNSAFE_IN_FREE_STRING = /[;&|`$<>\\'"*?!{}[\]\p{Cc}]|\.\.(?:\/|$)|^-/u;

const validators = new WeakMap<RunbookSummary, (values: unknown) => ParameterCheck>();
const validatorOf = (runbook: RunbookSummary) => {
  const known = validators.get(runbook);
  if (known) return known;
  const v = compileParameters(runbook.parameters);
  validators.set(runbook, v);
  return v;
};

/**
 * The gate every proposal passes, from a model or from the offline analyzer: the id must be in the
 * catalog (and in `allowedRunbooks` when set), the parameters must pass the runbook's schema through
 * `compileParameters`, free strings may not carry shell or path metacharacters, and with grounding on
 * they must name something the incident names. Anything else is refused with the reason; nothing
 * free-form ever gets through, because only an id and schema-checked values do.
 *
 * @example
 * ```ts
 * import { checkProposal, incidentFacts } from '@aiops/llm-analyzer';
 * import { makeIncident, makeRunbookSummary, staticCatalog } from '@aiops/testing';
 * const catalog = staticCatalog([makeRunbookSummary()]);
 * const facts = incidentFacts(makeIncident());
 * checkProposal({ runbookId: 'restart-service', parameters: { service: 'checkout; reboot' }, rationale: '' },
 *   catalog, { facts }).ok; // false
 * ```
 */
export function checkProposal(
  proposal: ProposedAction,
  catalog: RunbookCatalogView | undefined,
  options: ProposalGuardOptions = {},
): ProposalCheck {
  const refuse = (reason: string, issues: readonly ConfigIssue[] = []): ProposalCheck => ({
    ok: false,
    reason,
    issues,
  });
  const id = proposal.runbookId;
  const runbook = catalog?.get(id);
  if (!runbook || runbook.id !== id) return refuse(`runbook ${JSON.stringify(clip(id))} is not in the catalog`);
  if (options.allowedRunbooks && !options.allowedRunbooks.includes(id)) {
    return refuse(`runbook "${id}" is not in this analyzer's allowed runbooks`);
  }
  const check = validatorOf(runbook)(proposal.parameters);
  if (!check.ok) {
    const detail = check.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    return refuse(`parameters of "${id}" fail its schema: ${detail}`, check.issues);
  }
  const issues: ConfigIssue[] = [];
  const grounding = options.grounding ?? 'structured';
  for (const [name, value] of Object.entries(check.value)) {
    if (typeof value !== 'string') continue;
    const schema = runbook.parameters.properties[name]!;
    if (schema.enum) continue;
    if (!schema.pattern && UNSAFE_IN_FREE_STRING.test(value)) {
      issues.push({ path: name, message: 'contains shell or path metacharacters' });
      continue;
    }
    if (grounding === 'off' || value === schema.default) continue;
    if (!isGrounded(value, grounding, options.facts)) {
      issues.push({ path: name, message: `${JSON.stringify(clip(value))} is not named by the incident` });
    }
  }
  if (issues.length > 0) {
    const detail = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return refuse(`parameters of "${id}" refused: ${detail}`, issues);
  }
  return {
    ok: true,
    runbook,
    proposal: {
      runbookId: id,
      parameters: { ...check.value },
      rationale: proposal.rationale.slice(0, MAX_RATIONALE_CHARS),
    },
  };
}

function isGrounded(value: string, grounding: Grounding, facts: IncidentFacts | undefined): boolean {
  if (!facts) return false;
  if (facts.values.has(value)) return true;
  if (grounding !== 'evidence') return false;
  return facts.texts.some((t) => t.includes(value));
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
