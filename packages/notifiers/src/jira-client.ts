import { type StageContext, sleep } from '@aiops/core';
import { Version3Client } from 'jira.js';
import type { NotifierError } from './errors.js';
import { jiraError } from './jira-errors.js';
import { raceAbort } from './keyed-lane.js';

/**
 * What it takes to build a `Version3Client` when none is injected.
 *
 * @example
 * ```ts
 * import type { JiraClientConfig } from '@aiops/notifiers';
 * const config: JiraClientConfig = { host: 'https://your-team.atlassian.net', email: 'bot@example.com', apiToken: '…', requestTimeoutMs: 15_000 };
 * ```
 */
export interface JiraClientConfig {
  /** The site, e.g. `https://your-team.atlassian.net`. */
  readonly host: string;
  /** The Atlassian account the API token belongs to. */
  readonly email: string;
  readonly apiToken: string;
  readonly requestTimeoutMs: number;
}

/**
 * Builds the `jira.js` v3 client a Jira notifier uses when none is injected: basic auth with an
 * API token, and a per-request timeout.
 *
 * @example
 * ```ts
 * import { createJiraClient } from '@aiops/notifiers';
 * const jira = createJiraClient({
 *   host: 'https://your-team.atlassian.net', email: 'sre-bot@example.com', apiToken: '…', requestTimeoutMs: 15_000,
 * });
 * ```
 */
export function createJiraClient(config: JiraClientConfig): Version3Client {
  return new Version3Client({
    host: config.host,
    authentication: { basic: { email: config.email, apiToken: config.apiToken } },
    baseRequestConfig: { timeout: config.requestTimeoutMs },
  });
}

/**
 * Runs one Jira call for a step: stops waiting when the step's signal aborts, maps failures to
 * {@link NotifierError}s, and waits out a short 429 `Retry-After` (up to `maxWaitMs`, twice).
 *
 * @example
 * ```ts
 * import { createTestContext } from '@aiops/testing';
 * import { createJiraClient, jiraCall } from '@aiops/notifiers';
 * const jira = createJiraClient({ host: 'http://127.0.0.1:8080', email: 'a@b.c', apiToken: 't', requestTimeoutMs: 5_000 });
 * const issue = await jiraCall(createTestContext().ctx, 5_000, () => jira.issues.getIssue({ issueIdOrKey: 'OPS-1' }));
 * ```
 */
export async function jiraCall<T>(ctx: StageContext, maxWaitMs: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await raceAbort(fn(), ctx.signal);
    } catch (raw) {
      if (ctx.signal.aborted) throw raw;
      const err: NotifierError = jiraError(raw, ctx.clock.now());
      const wait = err.retryAfterMs ?? 1_000;
      if (err.code !== 'NOTIFIER_RATE_LIMITED' || attempt > 2 || wait > maxWaitMs) throw err;
      await sleep(ctx.clock, wait, ctx.signal);
    }
  }
}
