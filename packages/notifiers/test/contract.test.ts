import {
  type FakeHttpServer,
  type FakeJira,
  type FakeSlack,
  runNotifierContract,
  startFakeHttpServer,
  startFakeJira,
  startFakeSlack,
} from '@aiops/testing';
import { afterAll, beforeAll } from 'vitest';
import {
  createConsoleNotifier,
  createJiraNotifier,
  createRouter,
  createSlackNotifier,
  createSlackWebhookNotifier,
  createWebhookNotifier,
  routeNotifier,
  withRetry,
} from '../src/index.js';

let slack: FakeSlack;
let jira: FakeJira;
let receiver: FakeHttpServer;
beforeAll(async () => {
  [slack, jira] = await Promise.all([startFakeSlack(), startFakeJira()]);
  receiver = await startFakeHttpServer((req, res) => {
    res.writeHead(req.path === '/broken' ? 500 : 204).end();
  });
});
afterAll(async () => {
  await Promise.all([slack.close(), jira.close(), receiver.close()]);
});

const slackOptions = (token = 'xoxb-test-token') => ({
  token,
  slackApiUrl: slack.apiUrl,
  channel: 'C0INCIDENTS',
  perChannelIntervalMs: 20,
});
runNotifierContract('slack (Web API)', () => createSlackNotifier(slackOptions()), {
  countEffects: () => slack.messages.length,
  failing: () => createSlackNotifier(slackOptions('xoxb-revoked')),
});

runNotifierContract(
  'slack (incoming webhook)',
  () => createSlackWebhookNotifier({ url: slack.webhookUrl, intervalMs: 0 }),
  {
    countEffects: () => slack.webhookPosts.length,
    failing: () => createSlackWebhookNotifier({ url: `${slack.url}/services/T0TEST/B0GONE/x`, intervalMs: 0 }),
  },
);

const jiraOptions = (apiToken = 'jira-token') => ({
  host: jira.url,
  email: 'bot@example.com',
  apiToken,
  projectKey: 'OPS',
});
runNotifierContract('jira', () => createJiraNotifier(jiraOptions()), {
  countEffects: () => jira.issues.length + jira.issues.reduce((n, i) => n + i.comments.length, 0),
  failing: () => createJiraNotifier(jiraOptions('revoked')),
});

let posted = 0;
runNotifierContract(
  'webhook',
  () =>
    createWebhookNotifier({
      url: `${receiver.url}/hook`,
      secret: 'contract-secret-0123456789',
      fetch: async (...args: Parameters<typeof fetch>) => {
        const res = await fetch(...args);
        if (res.ok) posted++;
        return res;
      },
    }),
  {
    countEffects: () => posted,
    failing: () => createWebhookNotifier({ url: `${receiver.url}/broken`, retry: { maxAttempts: 1 } }),
  },
);

const lines: string[] = [];
const stream = { write: (text: string) => lines.push(text) };
runNotifierContract('console', () => createConsoleNotifier({ stream }), {
  failing: () =>
    createConsoleNotifier({
      stream: {
        write: () => {
          throw new Error('EPIPE');
        },
      },
    }),
});

runNotifierContract(
  'withRetry(webhook)',
  () => withRetry(createWebhookNotifier({ url: `${receiver.url}/hook` }), { baseMs: 1 }),
  {
    failing: () =>
      withRetry(createWebhookNotifier({ url: `${receiver.url}/broken`, retry: { maxAttempts: 1 } }), {
        maxAttempts: 2,
        baseMs: 1,
      }),
  },
);

runNotifierContract('routeNotifier(console)', () =>
  routeNotifier(createConsoleNotifier({ stream }), { minSeverity: 'high' }),
);

runNotifierContract('createRouter', () =>
  createRouter({
    name: 'router',
    routes: [{ match: { minSeverity: 'critical' }, to: createConsoleNotifier({ name: 'pager', stream }) }],
    fallback: createConsoleNotifier({ name: 'team', stream }),
  }),
);
