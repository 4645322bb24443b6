import type { Logger } from '@aiops/core';
import { type LogLevel, type Logger as SlackLogger, WebClient } from '@slack/web-api';

/**
 * What it takes to build a `WebClient` when none is injected.
 *
 * @example
 * ```ts
 * import type { SlackClientConfig } from '@aiops/notifiers';
 * const config: SlackClientConfig = { token: 'xoxb-…', requestTimeoutMs: 10_000 };
 * ```
 */
export interface SlackClientConfig {
  /** A bot token (`xoxb-…`). */
  readonly token: string;
  /** Base URL of the Web API, ending in `/api/`. Defaults to `https://slack.com/api/`. */
  readonly slackApiUrl?: string;
  /** Per-request timeout. */
  readonly requestTimeoutMs: number;
}

/**
 * Adapts an `@aiops` {@link Logger} to the logger `@slack/web-api` expects. The SDK's own messages go
 * to `debug` (its request bodies are redacted of tokens, but they are whole payloads), warnings and
 * errors stay what they are.
 *
 * @example
 * ```ts
 * import { WebClient } from '@slack/web-api';
 * import { slackLogger } from '@aiops/notifiers';
 * const client = new WebClient('xoxb-…', { logger: slackLogger(console) });
 * ```
 */
export function slackLogger(logger: Logger): SlackLogger {
  let level = 'debug' as LogLevel;
  return {
    debug: (...msg: unknown[]) => logger.debug(`slack: ${msg.map(String).join(' ')}`),
    info: (...msg: unknown[]) => logger.debug(`slack: ${msg.map(String).join(' ')}`),
    warn: (...msg: unknown[]) => logger.warn(`slack: ${msg.map(String).join(' ')}`),
    error: (...msg: unknown[]) => logger.error(`slack: ${msg.map(String).join(' ')}`),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/**
 * Builds the `WebClient` a Slack notifier uses when none is injected: rate-limited calls are
 * rejected rather than waited on inside the SDK (the notifier waits itself, per channel, within its
 * step's deadline), and the SDK does not retry (the pipeline's outbox does, with reconciliation, so
 * a retried post cannot double a message).
 *
 * @example
 * ```ts
 * import { silentLogger } from '@aiops/core';
 * import { createSlackWebClient } from '@aiops/notifiers';
 * const client = createSlackWebClient({ token: 'xoxb-…', requestTimeoutMs: 10_000 }, silentLogger);
 * ```
 */
export function createSlackWebClient(config: SlackClientConfig, logger: Logger): WebClient {
  return new WebClient(config.token, {
    ...(config.slackApiUrl === undefined ? {} : { slackApiUrl: config.slackApiUrl }),
    logger: slackLogger(logger),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: config.requestTimeoutMs,
  });
}
