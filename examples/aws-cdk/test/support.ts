import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AiopsStack } from '../src/aiops-stack.js';
import { EXAMPLE_DIR } from '../src/bundle.js';
import { type CatalogDocument, readCatalogDocuments } from '../src/catalog.js';
import { settingsFromContext } from '../src/config.js';

export const RUNBOOKS_DIR = join(EXAMPLE_DIR, '..', 'runbooks');
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/** A statement as CloudFormation holds it. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
}

export interface Synth {
  readonly app: App;
  readonly stack: AiopsStack;
  readonly template: Template;
  readonly documents: readonly CatalogDocument[];
  /** The cloud assembly's folder (where assets were staged). */
  readonly outdir: string;
}

/** Synthesises the stack once, as synth.ts does, with the given CDK context and a fixed account and region. */
export async function synth(context: Record<string, string>): Promise<Synth> {
  const app = new App({ context });
  const settings = settingsFromContext((key) => app.node.tryGetContext(key));
  const documents = await readCatalogDocuments(RUNBOOKS_DIR);
  const stack = new AiopsStack(app, 'Test', {
    settings,
    documents,
    runbooksDir: RUNBOOKS_DIR,
    env: { account: ACCOUNT, region: REGION },
  });
  const template = Template.fromStack(stack);
  return { app, stack, template, documents, outdir: app.outdir };
}

/** `arn:<partition>:<rest>` as CDK renders it for a stack with a known account and region. */
export function arn(rest: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${rest}`]] };
}

/** A resource's `Fn::GetAtt [id, Arn]`. */
export function arnOf(logicalId: string): unknown {
  return { 'Fn::GetAtt': [logicalId, 'Arn'] };
}

/** The one resource of a type whose logical id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

/** Every statement of every AWS::IAM::Policy attached to a role, in template order. */
export function statementsOf(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) =>
      (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })),
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** Every statement of every policy in the template. */
export function allStatements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );
}

export function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

export function resourcesOf(s: Statement): unknown[] {
  return Array.isArray(s.Resource) ? s.Resource : [s.Resource];
}

/** Staged asset folders of the assembly that contain `file`. */
export function stagedAssetsWith(outdir: string, file: string): string[] {
  return readdirSync(outdir)
    .filter((d) => d.startsWith('asset.'))
    .filter((d) => {
      try {
        return readdirSync(join(outdir, d)).includes(file);
      } catch {
        return false;
      }
    });
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Statements as a sorted list of canonical texts (each with its actions sorted): compares them as sets. */
export function normalized(statements: readonly Statement[]): string[] {
  return statements.map((st) => canonical({ ...st, Action: [...actionsOf(st)].sort() })).sort();
}
