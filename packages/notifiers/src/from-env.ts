import { ConfigError, type ConfigIssue } from '@aiops/core';

/**
 * An environment to read from: pass `process.env`, or a record in tests.
 *
 * @example
 * ```ts
 * import type { Env } from '@aiops/notifiers';
 * const env: Env = { SLACK_BOT_TOKEN: 'xoxb-…', SLACK_CHANNEL_ID: 'C0123' };
 * ```
 */
export type Env = Readonly<Record<string, string | undefined>>;

function read<K extends string>(env: Env, required: Record<K, string>, optional: Partial<Record<string, string>>) {
  const issues: ConfigIssue[] = [];
  const out: Record<string, string> = {};
  for (const [field, variable] of Object.entries<string>(required)) {
    const value = env[variable]?.trim();
    if (value) out[field] = value;
    else issues.push({ path: variable, message: `environment variable is not set (needed for ${field})` });
  }
  for (const [field, variable] of Object.entries(optional)) {
    const value = variable === undefined ? undefined : env[variable]?.trim();
    if (value) out[field] = value;
  }
  return { out, issues };
}

/**
 * Reads the Slack notifier's credentials from an environment you pass explicitly (the library
 * never reads `process.env` on its own): `SLACK_BOT_TOKEN`, `SLACK_CHANNEL_ID`, and optionally
 * `SLACK_API_URL`. Throws a {@link ConfigError} naming each missing variable.
 *
 * @example
 * ```ts
 * import { createSlackNotifier, slackOptionsFromEnv } from '@aiops/notifiers';
 * const slack = createSlackNotifier({ ...slackOptionsFromEnv(process.env), broadcast: ['incident.escalated'] });
 * ```
 */
export function slackOptionsFromEnv(env: Env): { token: string; channel: string; slackApiUrl?: string } {
  const { out, issues } = read(
    env,
    { token: 'SLACK_BOT_TOKEN', channel: 'SLACK_CHANNEL_ID' },
    { slackApiUrl: 'SLACK_API_URL' },
  );
  if (issues.length > 0) throw new ConfigError('Slack settings missing from the environment', issues);
  return out as { token: string; channel: string; slackApiUrl?: string };
}

/**
 * Reads the Slack signing secret (`SLACK_SIGNING_SECRET`) for the interactivity handler.
 *
 * @example
 * ```ts
 * import { slackSigningSecretFromEnv } from '@aiops/notifiers';
 * const signingSecret = slackSigningSecretFromEnv({ SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5' });
 * ```
 */
export function slackSigningSecretFromEnv(env: Env): string {
  const { out, issues } = read(env, { signingSecret: 'SLACK_SIGNING_SECRET' }, {});
  if (issues.length > 0) throw new ConfigError('Slack signing secret missing from the environment', issues);
  return out.signingSecret!;
}

/**
 * Reads the Jira notifier's settings: `JIRA_HOST`, `JIRA_EMAIL`, `JIRA_API_TOKEN`,
 * `JIRA_PROJECT_KEY`, and optionally `JIRA_ISSUE_TYPE` and `JIRA_DONE_TRANSITION`.
 *
 * @example
 * ```ts
 * import { createJiraNotifier, jiraOptionsFromEnv } from '@aiops/notifiers';
 * const jira = createJiraNotifier({ ...jiraOptionsFromEnv(process.env), priorities: { critical: 'Highest' } });
 * ```
 */
export function jiraOptionsFromEnv(env: Env): {
  host: string;
  email: string;
  apiToken: string;
  projectKey: string;
  issueType?: string;
  doneTransition?: string;
} {
  const { out, issues } = read(
    env,
    { host: 'JIRA_HOST', email: 'JIRA_EMAIL', apiToken: 'JIRA_API_TOKEN', projectKey: 'JIRA_PROJECT_KEY' },
    { issueType: 'JIRA_ISSUE_TYPE', doneTransition: 'JIRA_DONE_TRANSITION' },
  );
  if (issues.length > 0) throw new ConfigError('Jira settings missing from the environment', issues);
  return out as ReturnType<typeof jiraOptionsFromEnv>;
}

/**
 * Reads the webhook notifier's settings: `AIOPS_WEBHOOK_URL` and optionally `AIOPS_WEBHOOK_SECRET`.
 *
 * @example
 * ```ts
 * import { createWebhookNotifier, webhookOptionsFromEnv } from '@aiops/notifiers';
 * const hook = createWebhookNotifier(webhookOptionsFromEnv(process.env));
 * ```
 */
export function webhookOptionsFromEnv(env: Env): { url: string; secret?: string } {
  const { out, issues } = read(env, { url: 'AIOPS_WEBHOOK_URL' }, { secret: 'AIOPS_WEBHOOK_SECRET' });
  if (issues.length > 0) throw new ConfigError('Webhook settings missing from the environment', issues);
  return out as { url: string; secret?: string };
}
