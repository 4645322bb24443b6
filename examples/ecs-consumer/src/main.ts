/**
 * The consumer as an ECS service runs it: configuration from the environment, JSON logs on stdout,
 * `/health` for the container health check and the load balancer, and a graceful stop on SIGTERM
 * (what ECS sends before SIGKILL, `stopTimeout` seconds later). Exit code 0 after a clean stop.
 *
 *   AIOPS_STREAM_NAME=... AIOPS_LEASE_TABLE=... AIOPS_STATE_TABLE=... AWS_REGION=... \
 *     corepack pnpm tsx examples/ecs-consumer/src/main.ts
 */
import { createSlackNotifier, slackOptionsFromEnv } from '@aiops/notifiers';
import { configFromEnv } from './config.js';
import { startConsumer } from './consumer.js';
import { jsonLogger } from './log.js';

let config: ReturnType<typeof configFromEnv>;
try {
  config = configFromEnv(process.env);
} catch (err) {
  // A task that cannot start should say why in one line of its log, and exit non-zero.
  process.stdout.write(
    `${JSON.stringify({ level: 'error', message: err instanceof Error ? err.message : String(err) })}\n`,
  );
  process.exit(2);
}
const logger = jsonLogger(config.logLevel, { workerId: config.workerId });
// Slack when its settings are there; the console notifier's lines go to CloudWatch Logs either way.
const notifiers = process.env.SLACK_BOT_TOKEN ? [createSlackNotifier(slackOptionsFromEnv(process.env))] : [];
const consumer = await startConsumer(config, logger, notifiers);

let signals = 0;
const shutdown = (signal: NodeJS.Signals) => {
  if (++signals > 1) return; // ECS may send SIGTERM twice; the first stop is already under way
  logger.info('stopping', { signal });
  consumer.stop().then(
    (ok) => process.exit(ok ? 0 : 1),
    (err) => {
      logger.error('stop failed', { error: String(err) });
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
