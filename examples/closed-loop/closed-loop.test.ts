import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeJira, startFakeJira } from '../../packages/notifiers/test/support/jira-server.js';
import { type FakeSlack, startFakeSlack } from '../../packages/notifiers/test/support/slack-server.js';
import { main } from './index.js';

let dir: string;
let slack: FakeSlack;
let jira: FakeJira;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiops-closed-loop-example-'));
  slack = await startFakeSlack();
  jira = await startFakeJira();
});
afterAll(async () => {
  await slack.close();
  await jira.close();
  await rm(dir, { recursive: true, force: true });
});

describe('examples/closed-loop', () => {
  it('heals the service with Slack and Jira configured: one thread, one ticket, both closed with the incident', async () => {
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
