import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decoder, Notifier, RawRecord } from '@aiops/core';
import {
  createJiraNotifier,
  createSlackNotifier,
  createWebhookNotifier,
  jiraOptionsFromEnv,
  slackOptionsFromEnv,
  webhookOptionsFromEnv,
} from '@aiops/notifiers';

/**
 * The decoder, telling once when the first failing request (a 5xx or an error line) comes out of a
 * record, with that record's arrival time on the stream (Kinesis `ApproximateArrivalTimestamp`).
 */
export function observeSpike(decoder: Decoder, onSpike: (receivedAt: number | undefined) => void): Decoder {
  let seen = false;
  return {
    name: decoder.name,
    ...(decoder.matches ? { matches: (record: RawRecord) => decoder.matches!(record) } : {}),
    decode(record) {
      const signals = decoder.decode(record);
      if (!seen) {
        const failing = signals.some(
          (s) => s.type === 'log' && (s.level === 'error' || Number(s.attributes?.httpStatus ?? 0) >= 500),
        );
        if (failing) {
          seen = true;
          onSpike(record.origin.receivedAt);
        }
      }
      return signals;
    },
  };
}

/** Slack, Jira and webhook notifiers, each when its settings are in `env` (partial settings throw, naming what is missing). */
export function notifiersFromEnv(env: Readonly<Record<string, string | undefined>>): Notifier[] {
  const set = (...names: string[]) => names.some((n) => (env[n] ?? '').trim() !== '');
  const out: Notifier[] = [];
  if (set('SLACK_BOT_TOKEN', 'SLACK_CHANNEL_ID')) out.push(createSlackNotifier(slackOptionsFromEnv(env)));
  if (set('JIRA_HOST', 'JIRA_API_TOKEN', 'JIRA_PROJECT_KEY')) out.push(createJiraNotifier(jiraOptionsFromEnv(env)));
  if (set('AIOPS_WEBHOOK_URL')) out.push(createWebhookNotifier(webhookOptionsFromEnv(env)));
  return out;
}

/** `examples/runbooks` of the repository: looked for above this module, then above the working directory. */
export function findExampleRunbooks(): string {
  const starts = [moduleDir(), process.cwd()].filter((d): d is string => d !== undefined);
  for (const start of starts) {
    let dir = start;
    for (let i = 0; i < 8; i++) {
      const candidate = join(dir, 'examples', 'runbooks');
      if (existsSync(join(candidate, 'runbooks', 'restart-service.yaml'))) return candidate;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error(
    'the example runbook repository (examples/runbooks with runbooks/restart-service.yaml) was not found: run the demo from a clone of the repository, or pass --runbooks <dir>',
  );
}

/** This module's folder: from `import.meta.url` in ESM, `__dirname` in the CommonJS build (where the former is empty). */
function moduleDir(): string | undefined {
  try {
    return dirname(fileURLToPath(import.meta.url));
  } catch {
    return typeof __dirname === 'string' ? __dirname : undefined;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls `done` every 25 ms; resolves `false` after `timeoutMs`, rejects when aborted. */
export async function waitFor(done: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= until) return false;
    await sleep(25, signal);
  }
  return true;
}
