import type { Refusal } from './guardrails.js';
import type { ParameterValues } from './inputs.js';
import type { RenderedAction, RenderedDocument } from './rendered-action.js';
import type { LoadedRunbook } from './repository.js';
import type { Runbook } from './runbook-schema.js';
import { KNOWN_AWS_DOCUMENTS } from './ssm-document.js';
import { renderTemplate } from './template.js';

/**
 * A runbook's target for one plan: its key (what cooldowns and idempotency are per) and SSM targets.
 *
 * @example
 * ```ts
 * import type { RenderedTarget } from '@aiops/runbook-executor';
 * const t: RenderedTarget = { key: 'tags:Service=checkout', targets: [{ Key: 'tag:Service', Values: ['checkout'] }] };
 * ```
 */
export interface RenderedTarget {
  /** e.g. `service:checkout`, `instances:i-0abc`, `tags:Environment=prod,Service=checkout`. */
  readonly key: string;
  readonly instanceIds?: readonly string[];
  readonly targets?: ReadonlyArray<{ readonly Key: string; readonly Values: string[] }>;
}

const INSTANCE_ID = /^(i|mi)-[0-9a-f]{8,17}$/;

/**
 * Derives a runbook's target from its parameter values. A runbook without a target has one
 * target, itself (`runbook:<id>`), so its cooldown applies to every run.
 *
 * @example
 * ```ts
 * import { renderTarget, RunbookSchema } from '@aiops/runbook-executor';
 * const runbook = RunbookSchema.parse({
 *   id: 'r', title: 'R', risk: 'low', target: { service: '{{ service }}' },
 *   parameters: { type: 'object', required: ['service'], properties: { service: { type: 'string', pattern: '^[a-z]+$' } } },
 *   action: { type: 'local', argv: ['true'] },
 * });
 * renderTarget(runbook, { service: 'checkout' }); // { key: 'service:checkout' }
 * ```
 */
export function renderTarget(runbook: Runbook, values: ParameterValues): RenderedTarget | Refusal {
  const t = runbook.target;
  const r = (s: string) => renderTemplate(s, values);
  if (!t) return { key: `runbook:${runbook.id}` };
  if (t.instanceIds) {
    const ids = [...new Set(t.instanceIds.map(r))].sort();
    const bad = ids.find((id) => !INSTANCE_ID.test(id));
    if (bad !== undefined) return { code: 'invalid-target', reason: `${JSON.stringify(bad)} is not an instance id` };
    return { key: `instances:${ids.join(',')}`, instanceIds: ids };
  }
  if (t.tags) {
    const tags = Object.entries(t.tags)
      .map(([k, v]) => [k, r(v)] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    if (tags.some(([, v]) => v === '')) return { code: 'invalid-target', reason: 'a target tag value is empty' };
    return {
      key: `tags:${tags.map(([k, v]) => `${k}=${v}`).join(',')}`,
      targets: tags.map(([k, v]) => ({ Key: `tag:${k}`, Values: [v] })),
    };
  }
  if (t.resourceGroup) {
    const name = r(t.resourceGroup);
    return { key: `resource-group:${name}`, targets: [{ Key: 'resource-groups:Name', Values: [name] }] };
  }
  if (t.service) return { key: `service:${r(t.service)}` };
  return { key: `resource:${r(t.resource!)}` };
}

/**
 * Puts parameter values into a runbook's action, giving exactly what will be sent: SSM document
 * parameters as separate values (checked against the document's own `allowedPattern` /
 * `allowedValues`, which SSM enforces too), argv elements and environment values for a local
 * process. No value is ever spliced into shell text.
 *
 * @example
 * ```ts
 * import { renderAction, renderTarget } from '@aiops/runbook-executor';
 * import type { LoadedRunbook } from '@aiops/runbook-executor';
 * declare const loaded: LoadedRunbook;
 * const values = { service: 'checkout' };
 * const target = renderTarget(loaded.runbook, values);
 * if ('key' in target) renderAction(loaded, values, target, 'plan-1');
 * ```
 */
export function renderAction(
  loaded: LoadedRunbook,
  values: ParameterValues,
  target: RenderedTarget,
  planId: string,
): RenderedAction | Refusal {
  const { runbook } = loaded;
  const a = runbook.action;
  const r = (s: string) => renderTemplate(s, values);
  if (a.type === 'local') {
    return {
      type: 'local',
      argv: a.argv.map(r),
      env: Object.fromEntries(Object.entries(a.env).map(([k, v]) => [k, r(v)])),
      ...(a.cwd === undefined ? {} : { cwd: r(a.cwd) }),
      timeoutMs: runbook.timeoutMs,
    };
  }
  const doc = a.document.path === undefined ? undefined : loaded.documents[a.document.path];
  const parameters: Record<string, string[]> = {};
  for (const [name, v] of Object.entries(a.parameters)) {
    const rendered = Array.isArray(v) ? v.map(r) : [r(v)];
    const spec = doc?.parameters[name];
    for (const value of rendered) {
      if (spec?.allowedValues && !spec.allowedValues.includes(value)) {
        return {
          code: 'document-refused',
          reason: `document parameter ${name} allows ${spec.allowedValues.join(', ')}; got ${JSON.stringify(value)}`,
        };
      }
      if (spec?.allowedPattern && !new RegExp(spec.allowedPattern, 'u').test(value)) {
        return {
          code: 'document-refused',
          reason: `document parameter ${name} must match ${spec.allowedPattern}; got ${JSON.stringify(value)}`,
        };
      }
    }
    parameters[name] = rendered;
  }
  const document: RenderedDocument | undefined = doc
    ? { path: doc.path, content: doc.content, format: doc.format, documentType: doc.documentType, digest: doc.digest }
    : undefined;
  if (a.type === 'ssm-automation') {
    return {
      type: 'ssm-automation',
      documentName: a.document.name,
      ...(document ? { document } : {}),
      parameters,
      ...(a.assumeRole ? { assumeRole: a.assumeRole } : {}),
      // AWS documents the linter does not know mostly take it; a kept document says for itself.
      acceptsAssumeRole: doc
        ? 'AutomationAssumeRole' in doc.parameters
        : 'AutomationAssumeRole' in
          (KNOWN_AWS_DOCUMENTS[a.document.name]?.parameters ?? { AutomationAssumeRole: true }),
      timeoutMs: runbook.timeoutMs,
    };
  }
  return {
    type: 'ssm-command',
    documentName: a.document.name,
    ...(document ? { document } : {}),
    parameters,
    ...(target.instanceIds ? { instanceIds: target.instanceIds } : {}),
    ...(target.targets ? { targets: target.targets } : {}),
    ...(a.maxConcurrency ? { maxConcurrency: a.maxConcurrency } : {}),
    ...(a.maxErrors ? { maxErrors: a.maxErrors } : {}),
    ...(a.timeoutSeconds ? { timeoutSeconds: a.timeoutSeconds } : {}),
    ...(a.cloudWatchOutput === undefined || a.cloudWatchOutput === false
      ? {}
      : {
          cloudWatchOutput: {
            enabled: true,
            ...(typeof a.cloudWatchOutput === 'object' ? { logGroup: a.cloudWatchOutput.logGroup } : {}),
          },
        }),
    comment: (a.comment ?? `aiops ${runbook.id} ${planId}`).slice(0, 100),
    timeoutMs: runbook.timeoutMs,
  };
}
