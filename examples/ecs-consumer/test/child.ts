import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KinesisSourceStats, LeaseCoordinatorStats } from '@aiops/ingest';
import type { PipelineStats } from '@aiops/pipeline';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** A consumer process and what it logged. */
export interface Child {
  readonly process: ChildProcess;
  /** Every stdout line so far: parsed JSON log lines, `{ text }` for the console notifier's lines. */
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

/** Runs the consumer as its own process, as an ECS task would (with tsx instead of a build). */
export function runConsumer(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT, // tsx maps @aiops/* to the packages' sources through the root tsconfig.json
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
      else lines.push({ text: line });
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && stderr) console.error(stderr);
      resolve(code);
    }),
  );
  return { process: child, lines, exited };
}

/** Polls `probe` until it returns something, or fails naming what it waited for. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What `/stats` answers. */
export interface Stats {
  readonly pipeline: PipelineStats;
  readonly source: KinesisSourceStats;
  readonly leases: LeaseCoordinatorStats;
}

/** GETs JSON; undefined while nothing listens. */
export async function getJson<T>(url: string): Promise<{ status: number; body: T } | undefined> {
  try {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as T };
  } catch {
    return undefined;
  }
}

/** The health port a consumer logged when it started. */
export async function started(child: Child): Promise<string> {
  const line = await until('the consumer to start', () => child.lines.find((l) => l.message === 'consumer started'));
  return `http://127.0.0.1:${line.healthPort}`;
}
