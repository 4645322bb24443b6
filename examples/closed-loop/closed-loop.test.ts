import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bedrockPromptOf,
  type FakeBedrock,
  type FakeJira,
  type FakeSlack,
  startFakeBedrock,
  startFakeJira,
  startFakeSlack,
} from '@aiops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './index.js';

let dir: string;
let slack: FakeSlack;
let jira: FakeJira;
let bedrock: FakeBedrock;
// The AWS SDK reads credentials from the process environment (the demo's env only says they are set).
const savedCredentials = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiops-closed-loop-example-'));
  slack = await startFakeSlack();
  jira = await startFakeJira();
  // The model answers with the analyzer's report_analysis tool.
  bedrock = await startFakeBedrock(() => ({
    kind: 'tool',
    name: 'report_analysis',
    input: {
      summary: 'checkout answers 503 to most API calls: its database connection pool is exhausted',
      probableCause: 'connections are not returned to the pool (template:0)',
      confidence: 0.8,
      severity: 'high',
      evidence: ['finding:0', 'template:0'],
      proposedAction: {
        runbookId: 'restart-service',
        parameters: { service: 'checkout' },
        rationale: 'a restart releases the stuck connections',
      },
    },
  }));
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'local-test-secret';
});
afterAll(async () => {
  for (const [key, value] of [
    ['AWS_ACCESS_KEY_ID', savedCredentials.id],
    ['AWS_SECRET_ACCESS_KEY', savedCredentials.secret],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await slack.close();
  await jira.close();
  await bedrock.close();
  await rm(dir, { recursive: true, force: true });
});

describe('examples/closed-loop', () => {
  it('heals the service with Bedrock, Slack and Jira configured: the model proposes, one thread, one ticket', async () => {
    const report = join(dir, 'report.html');
    let out = '';
    const result = await main(
      report,
      {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_CHANNEL_ID: 'C0INCIDENTS',
        SLACK_API_URL: slack.apiUrl,
        JIRA_HOST: jira.url,
        JIRA_EMAIL: 'bot@example.com',
        JIRA_API_TOKEN: 'jira-token',
        JIRA_PROJECT_KEY: 'OPS',
        AIOPS_BEDROCK_MODEL_ID: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
        AIOPS_BEDROCK_ENDPOINT: bedrock.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
      },
      (text) => {
        out += text;
      },
    );
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.summary).toMatchObject({ incidents: 1, runbookRuns: 1 });
    expect(result.summary.recoveredAfterMs).toBeGreaterThan(0);
    expect(Object.keys(result.summary.notifications).sort()).toEqual(['console', 'jira', 'slack']);
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual(result.summary);

    // Bedrock analyzed: one Converse call, offered only the runbooks this machine can run, the
    // service's log lines inside the prompt's untrusted-data fence; its proposal is what ran.
    expect(result.analyzer).toBe('bedrock');
    expect(bedrock.requests).toHaveLength(1);
    const call = bedrock.requests[0]!;
    expect(call.modelId).toBe('anthropic.claude-3-5-sonnet-20240620-v1:0');
    expect(JSON.stringify(call.body.toolConfig)).toContain('restart-service');
    expect(JSON.stringify(call.body.toolConfig)).not.toContain('recycle-connection-pool');
    expect(bedrockPromptOf(call)).toMatch(/connection pool exhausted/);
    expect(out).toMatch(/analyzed by bedrock: proposes restart-service \{"service":"checkout"/);

    // Slack: one root message for the incident, updated in place, its steps as replies.
    const roots = slack.roots();
    expect(roots).toHaveLength(1);
    expect(roots[0]!.channel).toBe('C0INCIDENTS');
    expect(roots[0]!.text).toMatch(/checkout/);
    expect(slack.replies(roots[0]!.ts).length).toBeGreaterThanOrEqual(3);

    // Jira: one ticket, moved to Done when the incident resolved.
    expect(jira.issues).toHaveLength(1);
    expect(jira.issues[0]!.status).toBe('Done');

    expect(existsSync(report)).toBe(true);
    expect(readFileSync(report, 'utf8')).toContain('<svg');
  }, 60_000);
});
