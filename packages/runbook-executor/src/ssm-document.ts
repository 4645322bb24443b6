import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RunbookIssue } from './runbook-issue.js';
import { parseYamlSource } from './yaml-source.js';

/**
 * One parameter of an SSM document, as far as runbooks care: its type and what values it allows.
 *
 * @example
 * ```ts
 * import type { SsmDocumentParameter } from '@aiops/runbook-executor';
 * const unit: SsmDocumentParameter = { type: 'String', allowedPattern: '^[a-z0-9-]{1,64}$', required: true };
 * ```
 */
export interface SsmDocumentParameter {
  readonly type: string;
  readonly allowedPattern?: string;
  readonly allowedValues?: readonly string[];
  /** `true` when the document gives no default. */
  readonly required: boolean;
  readonly description?: string;
}

/**
 * An SSM document kept in the runbook repository, parsed: its kind, parameters, content and
 * digest (the digest names the version synced to SSM, so what runs is what Git holds).
 *
 * @example
 * ```ts
 * import { parseSsmDocument } from '@aiops/runbook-executor';
 * const res = parseSsmDocument(
 *   'schemaVersion: "2.2"\nparameters:\n  Unit: { type: String, allowedPattern: "^[a-z]+$" }\nmainSteps: []\n',
 *   'documents/restart.yaml',
 * );
 * res.ok && res.document.documentType; // 'Command'
 * ```
 */
export interface SsmDocument {
  readonly path: string;
  readonly documentType: 'Command' | 'Automation';
  readonly format: 'YAML' | 'JSON';
  readonly schemaVersion: string;
  readonly parameters: Readonly<Record<string, SsmDocumentParameter>>;
  readonly content: string;
  /** SHA-256 of the content, hex. */
  readonly digest: string;
}

const ParamSchema = z.looseObject({
  type: z.string(),
  allowedPattern: z.string().optional(),
  allowedValues: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
  default: z.unknown().optional(),
  description: z.string().optional(),
});
const DocSchema = z.looseObject({
  schemaVersion: z.union([z.string(), z.number()]).transform(String),
  parameters: z.record(z.string(), ParamSchema).default({}),
  mainSteps: z.array(z.unknown()).optional(),
  runtimeConfig: z.unknown().optional(),
});

/**
 * Parses an SSM Command (schema 2.2 or 1.2) or Automation (schema 0.3) document, YAML or JSON.
 *
 * @example
 * ```ts
 * import { parseSsmDocument } from '@aiops/runbook-executor';
 * parseSsmDocument('{"schemaVersion":"0.3","mainSteps":[]}', 'documents/x.json').ok; // true
 * ```
 */
export function parseSsmDocument(
  content: string,
  path: string,
): { readonly ok: true; readonly document: SsmDocument } | { readonly ok: false; readonly issues: RunbookIssue[] } {
  const src = parseYamlSource(content, path);
  if (src.issues.length > 0) return { ok: false, issues: [...src.issues] };
  const res = DocSchema.safeParse(src.data);
  if (!res.success) {
    return { ok: false, issues: res.error.issues.map((i) => src.issue(i.path as (string | number)[], i.message)) };
  }
  const doc = res.data;
  const documentType =
    doc.schemaVersion === '0.3' ? 'Automation' : ['2.2', '1.2'].includes(doc.schemaVersion) ? 'Command' : undefined;
  if (!documentType) {
    return {
      ok: false,
      issues: [
        src.issue(
          ['schemaVersion'],
          `must be "2.2" or "1.2" (Command) or "0.3" (Automation), got "${doc.schemaVersion}"`,
        ),
      ],
    };
  }
  if (!doc.mainSteps && !doc.runtimeConfig) {
    return { ok: false, issues: [src.issue([], 'has no mainSteps')] };
  }
  const parameters: Record<string, SsmDocumentParameter> = {};
  for (const [name, p] of Object.entries(doc.parameters)) {
    parameters[name] = {
      type: p.type,
      required: p.default === undefined,
      ...(p.allowedPattern === undefined ? {} : { allowedPattern: p.allowedPattern }),
      ...(p.allowedValues === undefined ? {} : { allowedValues: p.allowedValues }),
      ...(p.description === undefined ? {} : { description: p.description }),
    };
  }
  return {
    ok: true,
    document: {
      path,
      documentType,
      format: /\.json$/i.test(path) ? 'JSON' : 'YAML',
      schemaVersion: doc.schemaVersion,
      parameters,
      content,
      digest: createHash('sha256').update(content).digest('hex'),
    },
  };
}

/**
 * What the linter knows of an AWS-owned document it cannot read from the repository.
 *
 * @example
 * ```ts
 * import type { KnownAwsDocument } from '@aiops/runbook-executor';
 * const shellOnly = (d: KnownAwsDocument) => d.shell;
 * ```
 */
export interface KnownAwsDocument {
  readonly documentType: 'Command' | 'Automation';
  /** Its parameters run as shell code: no runbook parameter may flow into them. */
  readonly shell: boolean;
  readonly parameters: Readonly<Record<string, SsmDocumentParameter>>;
}

const stringList = (required: boolean): SsmDocumentParameter => ({ type: 'StringList', required });
const string = (required: boolean): SsmDocumentParameter => ({ type: 'String', required });

/**
 * AWS-owned documents the linter can check parameter names against. Others are allowed with a
 * warning, since their parameters cannot be checked offline.
 *
 * @example
 * ```ts
 * import { KNOWN_AWS_DOCUMENTS } from '@aiops/runbook-executor';
 * KNOWN_AWS_DOCUMENTS['AWS-RunShellScript']?.shell; // true
 * ```
 */
export const KNOWN_AWS_DOCUMENTS: Readonly<Record<string, KnownAwsDocument>> = {
  'AWS-RunShellScript': {
    documentType: 'Command',
    shell: true,
    parameters: { commands: stringList(true), workingDirectory: string(false), executionTimeout: string(false) },
  },
  'AWS-RunPowerShellScript': {
    documentType: 'Command',
    shell: true,
    parameters: { commands: stringList(true), workingDirectory: string(false), executionTimeout: string(false) },
  },
  'AWS-RestartEC2Instance': {
    documentType: 'Automation',
    shell: false,
    parameters: { InstanceId: stringList(true), AutomationAssumeRole: string(false) },
  },
  'AWS-StopEC2Instance': {
    documentType: 'Automation',
    shell: false,
    parameters: { InstanceId: stringList(true), AutomationAssumeRole: string(false) },
  },
  'AWS-StartEC2Instance': {
    documentType: 'Automation',
    shell: false,
    parameters: { InstanceId: stringList(true), AutomationAssumeRole: string(false) },
  },
};
