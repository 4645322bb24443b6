// synth.ts as a user (or the CDK CLI) runs it: tsx, no account, context on the command line, the
// assembly written where CDK_OUTDIR says. The template must stay environment-agnostic.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_DIR } from '../src/bundle.js';

const run = promisify(execFile);
const outdir = mkdtempSync(join(tmpdir(), 'aiops-synth-'));
let stdout = '';
let template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

beforeAll(async () => {
  const tsx = join(EXAMPLE_DIR, '..', '..', 'node_modules', '.bin', 'tsx');
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir };
  delete env.CDK_DEFAULT_ACCOUNT;
  delete env.CDK_DEFAULT_REGION;
  // Bundling is checked by the stack tests; here it would only add seconds (CDK then hashes the source folder).
  env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:bundling-stacks': [] });
  ({ stdout } = await run(tsx, ['synth.ts', '-c', 'aiops:shardCount=3', '-c', 'aiops:dryRun=false'], {
    cwd: EXAMPLE_DIR,
    env,
  }));
  template = JSON.parse(readFileSync(join(outdir, 'AiopsLambda.template.json'), 'utf8'));
}, 90_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('synth.ts', () => {
  it('writes the Lambda stack into the assembly folder and says so', () => {
    expect(stdout).toMatch(/^AiopsLambda: \d+ resources -> .*AiopsLambda\.template\.json$/m);
    expect(Object.values(template.Resources).some((r) => r.Type === 'AWS::Lambda::EventSourceMapping')).toBe(true);
  });

  it('applies -c context from the command line', () => {
    const stream = Object.values(template.Resources).find((r) => r.Type === 'AWS::Kinesis::Stream');
    expect(stream?.Properties?.ShardCount).toBe(3);
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    const variables = (fn?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    expect(variables?.AIOPS_DRY_RUN).toBe('false');
  });

  it('names no account or region: the template deploys anywhere', () => {
    const text = JSON.stringify(template);
    expect(text).not.toMatch(/\b\d{12}\b/);
    expect(text).toContain('{"Ref":"AWS::AccountId"}');
    // The CloudWatch Logs principal is regional, built from the deploying region.
    const logsRole = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties).includes('"logs."'),
    );
    expect(JSON.stringify(logsRole?.Properties)).toContain(
      '{"Fn::Join":["",["logs.",{"Ref":"AWS::Region"},".amazonaws.com"]]}',
    );
    // AWS-owned documents have no account in their ARN.
    expect(text).toContain(':document/AWS-RestartEC2Instance');
    expect(text).toMatch(/":ssm:",\{"Ref":"AWS::Region"\},"::document\/AWS-RestartEC2Instance"/);
  });
});
