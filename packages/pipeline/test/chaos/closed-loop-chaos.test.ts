/**
 * The closed loop under SIGKILL (issue #8): the real pipeline runs in a child process
 * (closed-loop-child.ts) against kinesalite and the local Slack and Jira servers hosted here, and is
 * killed in the middle of an incident, then restarted. The first test kills it at fixed phases
 * (after detection, during the analysis; during the runbook's process), the second at random
 * moments (AIOPS_CHAOS_KILLS, 4 by default). Both check one incident, one runbook run with its real
 * result, one Slack thread, one Jira ticket and every log record processed, and print their figures
 * as one JSON line.
 *
 *   corepack pnpm vitest run --project pipeline test/chaos
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { listAll } from '@aiops/core';
import { createKinesisProducer, type KinesisProducer } from '@aiops/ingest';
import { type FakeJira, type FakeSlack, startFakeJira, startFakeSlack } from '@aiops/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startKinesalite, uniqueStream } from '../../../ingest/test/support/kinesalite.js';
import { FileStateStore, type IncidentRecord, type ProgressRecord } from '../../src/index.js';
import type { ChildConfig } from './closed-loop-child.js';

const childScript = fileURLToPath(new URL('./closed-loop-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../..', import.meta.url));
/** Generous: a loaded 2-core machine starts a tsx child in seconds, not milliseconds. */
const WAIT_MS = 45_000;
/** Kills of the random schedule. */
const RANDOM_KILLS = Number(process.env.AIOPS_CHAOS_KILLS ?? 4);

/** A restart-style runbook: its script notes its start, works for a while, then notes its end. */
const RUNBOOK = `id: restart-service
title: Restart a local service process
description: >-
  Restarts the service's process. Clears exhausted connection pools and wedged workers.
tags: [restart, local]
match:
  kinds: [error-rate-spike]
  services: ["*"]
  keywords: [pool exhausted, upstream]
risk: low
approval: none
parameters:
  type: object
  required: [service]
  additionalProperties: false
  properties:
    service:
      type: string
      pattern: "^[a-z0-9][a-z0-9-]{0,62}$"
inputs:
  service: [proposal, incident.labels.service]
target:
  service: "{{ service }}"
cooldown: 10m
timeout: 1m
action:
  type: local
  argv: [node, scripts/restart.mjs, "{{ service }}"]
verify:
  within: 2m
onFailure: escalate
`;
/**
 * The runbook's script: one "start" line, three seconds of work (longer while the test holds
 * RUNBOOK_GATE shut, to kill the pipeline meanwhile), one "end" line.
 */
const SCRIPT = `import { appendFileSync, existsSync } from 'node:fs';
const service = process.argv[2];
appendFileSync(process.env.RUNS_FILE, \`start \${process.env.AIOPS_PLAN_ID} \${service} \${process.pid}\\n\`);
console.log('stopping', service);
await new Promise((resolve) => setTimeout(resolve, 3_000));
while (!existsSync(process.env.RUNBOOK_GATE)) await new Promise((resolve) => setTimeout(resolve, 50));
appendFileSync(process.env.RUNS_FILE, \`end \${process.env.AIOPS_PLAN_ID} \${service} \${process.pid}\\n\`);
console.log('restarted', service);
`;

interface Progress {
  readonly run: number;
  readonly at: number;
  readonly m: string;
  readonly type?: string;
  readonly notifier?: string;
  readonly fingerprint?: string;
  readonly message?: string;
  readonly stage?: string;
  readonly plugin?: string;
}

/** One life of the pipeline child process. */
interface Life {
  readonly progress: Progress[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(what: string, match: (p: Progress) => boolean, timeoutMs?: number): Promise<Progress>;
  kill(): Promise<void>;
  stop(): Promise<number | null>;
}

const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const clean of cleanups.reverse()) await clean().catch(() => undefined);
});

function startLife(configFile: string, run: number, everything: Progress[]): Life {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, configFile, String(run)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  children.add(child);
  const progress: Progress[] = [];
  const waiters = new Set<() => void>();
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    let nl = out.indexOf('\n');
    while (nl >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      nl = out.indexOf('\n');
      try {
        const p = JSON.parse(line) as Progress;
        progress.push(p);
        everything.push(p);
      } catch {
        // Not one of ours (a library printing): ignored.
      }
    }
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    }),
  );
  return {
    progress,
    exited,
    waitFor(what, match, timeoutMs = WAIT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`run ${run}: no "${what}" within ${timeoutMs} ms\n${err}`)),
          timeoutMs,
        );
        const done = (e: Error | undefined, p?: Progress) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (e) reject(e);
          else resolve(p!);
        };
        const check = () => {
          const p = progress.find(match);
          if (p) return done(undefined, p);
          if (child.exitCode !== null || child.signalCode !== null)
            done(new Error(`run ${run} exited (${child.exitCode ?? child.signalCode}) before "${what}"\n${err}`));
        };
        waiters.add(check);
        check();
      });
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      const { code } = await exited;
      if (code !== 0) throw new Error(`run ${run} did not stop cleanly (code ${code})\n${err}`);
      return code;
    },
  };
}

const sleep = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

const countBy = (keys: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const key of keys) out[key] = (out[key] ?? 0) + 1;
  return out;
};

const fileLines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
    : [];

/** The test process's side of one chaos run: emulators, runbook catalog, producer, checks. */
interface Scenario {
  readonly dir: string;
  readonly configFile: string;
  readonly runsFile: string;
  readonly slack: FakeSlack;
  readonly jira: FakeJira;
  readonly produced: string[];
  readonly started: number;
  /** What every life reported. */
  readonly progress: Progress[];
  /** Starts life `run` of the pipeline child. */
  life(run: number): Life;
  /** Makes every other request fail, until the runbook's restart is done. */
  startBurst(): void;
  /** Lets the analysis, or the runbook's script, go on. */
  open(gate: 'analysis' | 'runbook'): Promise<void>;
  /** Waits for the incident to resolve in Slack and Jira, for every record to be processed, and stops `life`. */
  finish(life: Life): Promise<void>;
}

/** `gated`: the analysis and the runbook wait for the test to open their gates (see {@link Scenario.open}). */
async function scenario(analyzeDelayMs: number, gated: boolean): Promise<Scenario> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'aiops-chaos-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [k, slack, jira] = await Promise.all([startKinesalite(), startFakeSlack(), startFakeJira()]);
  cleanups.push(() => Promise.all([k.close(), slack.close(), jira.close()]));
  const stream = uniqueStream('chaos');
  await k.createStream(stream, 1);
  const catalogDir = join(dir, 'catalog');
  await mkdir(join(catalogDir, 'runbooks'), { recursive: true });
  await mkdir(join(catalogDir, 'scripts'), { recursive: true });
  await writeFile(join(catalogDir, 'runbooks', 'restart-service.yaml'), RUNBOOK);
  await writeFile(join(catalogDir, 'scripts', 'restart.mjs'), SCRIPT);
  const runsFile = join(dir, 'runs.txt');
  const config: ChildConfig = {
    dir,
    catalogDir,
    runsFile,
    kinesisEndpoint: k.endpoint,
    stream,
    slackApiUrl: slack.apiUrl,
    jiraUrl: jira.url,
    analyzeDelayMs,
    analysisGate: join(dir, 'analysis.gate'),
    runbookGate: join(dir, 'runbook.gate'),
  };
  const open = (gate: 'analysis' | 'runbook') =>
    writeFile(gate === 'analysis' ? config.analysisGate : config.runbookGate, '');
  if (!gated) await Promise.all([open('analysis'), open('runbook')]);
  const configFile = join(dir, 'config.json');
  await writeFile(configFile, JSON.stringify(config));

  // The service's request log, as a CloudWatch Logs subscription writes it to Kinesis: healthy,
  // then (once the burst starts) every other request fails, until the runbook's restart is done.
  const producer: KinesisProducer = createKinesisProducer({ streamName: stream, client: k.newClient(), lingerMs: 5 });
  const produced: string[] = [];
  let seq = 0;
  let burst = false;
  let restarted = false;
  let producing = true;
  const production = (async () => {
    while (producing) {
      restarted ||= fileLines(runsFile).some((l) => l.startsWith('end '));
      const failing = burst && !restarted;
      const logEvents = Array.from({ length: 5 }, () => {
        const id = String(++seq).padStart(8, '0');
        const message =
          failing && seq % 2 === 0
            ? `ERROR GET /api/cart 503 upstream connection pool exhausted seq=${id}`
            : `INFO GET /api/cart 200 12ms seq=${id}`;
        return { id, timestamp: Date.now(), message };
      });
      const data = gzipSync(
        JSON.stringify({
          messageType: 'DATA_MESSAGE',
          owner: '111111111111',
          logGroup: '/ecs/checkout',
          logStream: 'checkout/task-1',
          subscriptionFilters: ['to-kinesis'],
          logEvents,
        }),
      );
      const outcome = await producer.put({ partitionKey: 'checkout', data });
      if (outcome.status !== 'written') throw new Error(`the producer could not write: ${outcome.errorMessage}`);
      produced.push(...logEvents.map((e) => e.id));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  })();
  const stopProduction = async () => {
    producing = false;
    await production;
    await producer.stop();
  };
  cleanups.push(stopProduction);

  const progress: Progress[] = [];
  return {
    dir,
    configFile,
    runsFile,
    slack,
    jira,
    produced,
    started,
    progress,
    life: (run) => startLife(configFile, run, progress),
    open,
    startBurst: () => {
      burst = true;
    },
    async finish(life) {
      // Resolved in Slack and Jira, by this life or an earlier one.
      const resolved = () =>
        slack.roots().some((m) => m.text.includes('(resolved)')) && jira.issues.some((i) => i.status === 'Done');
      for (const t0 = Date.now(); !resolved(); ) {
        if (await Promise.race([life.exited.then(() => true), sleep(50, false)]))
          throw new Error('the last life exited before the incident resolved');
        if (Date.now() - t0 > WAIT_MS) throw new Error('the incident did not resolve in Slack and Jira');
      }
      await stopProduction();
      // Everything produced is processed before the last life stops.
      for (const t0 = Date.now(); Date.now() - t0 < WAIT_MS; ) {
        const seen = new Set(fileLines(join(dir, 'processed.txt')).map((l) => l.split(' ')[0]));
        if (produced.every((id) => seen.has(id))) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await life.stop();
    },
  };
}

/** Checks the loop's outcome after all lives; returns the figures. */
async function checkOutcome(s: Scenario): Promise<Record<string, unknown>> {
  // The runbook's process ran exactly once, to its end.
  const runs = fileLines(s.runsFile);
  expect(runs.map((l) => l.split(' ')[0])).toEqual(['start', 'end']);
  const planId = runs[0]!.split(' ')[1]!;
  expect(runs[1]!.split(' ')[1]).toBe(planId);

  const store = await FileStateStore.open({ dir: join(s.dir, 'store'), fsync: false });
  const incidents = await listAll<IncidentRecord>(store, 'incident/');
  const outbox = await listAll<ProgressRecord>(store, 'outbox/');
  const runRecord = await store.get<{ status: string; result?: { status: string; output?: string } }>(
    `runbooks/run/${planId}`,
  );
  await store.close();

  // One incident, one epoch, resolved by the detector once the error rate was normal again.
  expect(incidents).toHaveLength(1);
  const incident = incidents[0]!.value.incident;
  expect(incident).toMatchObject({ epoch: 1, status: 'resolved', resolution: 'detector' });
  // The executor recorded the run's real outcome, however many lives it took.
  expect(runRecord?.value).toMatchObject({ status: 'finished', result: { status: 'succeeded' } });
  expect(runRecord?.value.result?.output).toContain('restarted checkout');
  const audit = fileLines(join(s.dir, 'audit.ndjson')).map((l) => JSON.parse(l) as { type: string; reason?: string });
  expect(audit.filter((a) => a.type === 'started')).toHaveLength(1);
  expect(audit.filter((a) => a.type === 'succeeded')).toHaveLength(1);
  const resumes = audit.filter((a) => a.type === 'progress' && a.reason?.startsWith('resuming local ')).length;
  // Every step of the incident is done and nothing is left to deliver.
  expect(outbox).toHaveLength(1);
  const steps = outbox[0]!.value.steps;
  expect(Object.entries(steps).filter(([, st]) => st.status !== 'done')).toEqual([]);
  const { log, logBase, cursors } = outbox[0]!.value;
  expect(log, `undelivered: ${JSON.stringify({ logBase, cursors, log: log.map((e) => e.type) })}`).toHaveLength(0);
  const fp = incident.fingerprint;

  // One Slack thread: one root (updated to resolved), each event of the incident once in the
  // thread, in order, however often a step was retried.
  const roots = s.slack.roots();
  expect(roots).toHaveLength(1);
  expect(s.slack.messages.filter((m) => m.threadTs === undefined)).toHaveLength(1);
  expect(roots[0]!.text).toContain('(resolved)');
  const replies = s.slack.replies(roots[0]!.ts).map((r) => r.text.split(':')[0]);
  expect(replies).toEqual([
    'analyzed by offline',
    'running restart-service',
    'restart-service succeeded',
    'verified',
    'resolved',
  ]);
  // One Jira ticket: created once, commented, done.
  expect(s.jira.issues).toHaveLength(1);
  expect(s.jira.calls('POST /rest/api/3/issue')).toHaveLength(1);
  expect(s.jira.issues[0]!.status).toBe('Done');
  expect(s.jira.issues[0]!.comments).toHaveLength(replies.length);

  // No log record lost: none dead-lettered, and every id produced was processed (acknowledged) at least once.
  expect(s.progress.filter((p) => p.m === 'deadLetter')).toEqual([]);
  const processed = fileLines(join(s.dir, 'processed.txt')).map((l) => l.split(' ')[0]!);
  const seen = new Set(processed);
  expect(s.produced.filter((id) => !seen.has(id))).toEqual([]);
  return {
    incidents: incidents.length,
    runbookRuns: runs.filter((l) => l.startsWith('start ')).length,
    runStepAttempts: steps[`${fp}:1:run`]?.attempts,
    resumedAfterRestart: resumes,
    slackRoots: roots.length,
    slackReplies: replies.length,
    jiraIssues: s.jira.issues.length,
    jiraComments: s.jira.issues[0]!.comments.length,
    recordsProduced: s.produced.length,
    recordsProcessed: seen.size,
    reprocessed: processed.length - seen.size,
    // Failures the lives reported (a step or a delivery that will be retried, e.g. a claim a
    // killed life left), by stage and plugin.
    failures: countBy(
      s.progress.filter((p) => p.m === 'error').map((p) => `${p.stage}/${p.plugin}: ${p.message?.slice(0, 100)}`),
    ),
    seconds: Math.round((Date.now() - s.started) / 100) / 10,
  };
}

describe('the closed loop under SIGKILL', () => {
  it('killed after detection and during the runbook, restarted: one incident, one run, one thread, one ticket, no record lost', async () => {
    const s = await scenario(500, true);
    // Life 1: learns the healthy baseline, then the burst; killed once the incident is open and
    // its analysis is in flight (held there by its gate), before any action.
    const first = s.life(1);
    await first.waitFor('ready', (p) => p.m === 'ready');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    s.startBurst();
    await first.waitFor('incident.opened', (p) => p.m === 'event' && p.type === 'incident.opened');
    await first.waitFor('analyzing', (p) => p.m === 'analyzing');
    await first.kill();
    const runsAtFirstKill = fileLines(s.runsFile);
    const actionStartedBeforeFirstKill = first.progress.some((p) => p.type === 'action.started');
    await s.open('analysis');

    // Life 2: the analysis is retried, the runbook starts; killed while its process runs (held
    // there by its gate).
    const second = s.life(2);
    await second.waitFor('action.started', (p) => p.m === 'event' && p.type === 'action.started');
    for (const t0 = Date.now(); !fileLines(s.runsFile).some((l) => l.startsWith('start ')); ) {
      if (Date.now() - t0 > WAIT_MS) throw new Error('the runbook process never started');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await second.kill();
    const runsAtSecondKill = fileLines(s.runsFile);
    await s.open('runbook');

    // Life 3: follows the runbook process to its end; the errors stop, the incident resolves.
    const third = s.life(3);
    await third.waitFor('action.succeeded', (p) => p.m === 'event' && p.type === 'action.succeeded');
    await s.finish(third);

    // The kills landed where they were meant to: before any action, then while the process ran.
    expect(runsAtFirstKill).toEqual([]);
    expect(actionStartedBeforeFirstKill).toBe(false);
    expect(runsAtSecondKill).toHaveLength(1);
    expect(runsAtSecondKill[0]).toMatch(/^start /);
    const figures = await checkOutcome(s);
    // The third life followed the process the second one started.
    expect(figures).toMatchObject({ runStepAttempts: 2, resumedAfterRestart: 1 });
    console.log(JSON.stringify({ closedLoopChaos: { kills: 2, ...figures } }));
  }, 90_000);

  it(
    `killed ${RANDOM_KILLS} times at random moments of the incident: the same outcome`,
    async () => {
      const s = await scenario(500, false);
      const kills: Array<{ life: number; afterReadyMs: number; lastEvent?: string; duringRunbook?: true }> = [];
      let life = s.life(1);
      await life.waitFor('ready', (p) => p.m === 'ready');
      const burstAt = setTimeout(() => s.startBurst(), 3_000);
      cleanups.push(async () => clearTimeout(burstAt));
      for (let n = 1; n <= RANDOM_KILLS; n++) {
        const afterReadyMs = 300 + Math.round(Math.random() * 2_700);
        await new Promise((resolve) => setTimeout(resolve, afterReadyMs));
        await life.kill();
        const lastEvent = life.progress.filter((p) => p.m === 'event').at(-1)?.type;
        const runs = fileLines(s.runsFile);
        const duringRunbook = runs.length === 1 ? { duringRunbook: true as const } : {};
        kills.push({ life: n, afterReadyMs, ...(lastEvent ? { lastEvent } : {}), ...duringRunbook });
        life = s.life(n + 1);
        await life.waitFor('ready', (p) => p.m === 'ready');
      }
      await s.finish(life);
      const figures = await checkOutcome(s);
      console.log(JSON.stringify({ closedLoopRandomChaos: { kills: kills.length, killedAfter: kills, ...figures } }));
    },
    60_000 + RANDOM_KILLS * 12_000,
  );
});
