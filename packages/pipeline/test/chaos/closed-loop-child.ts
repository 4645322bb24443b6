/**
 * The closed loop as a real process, run by closed-loop-chaos.test.ts and killed with SIGKILL in the
 * middle of an incident: a Kinesis source (file checkpoints) on the parent's kinesalite with the
 * CloudWatch Logs decoder, the error-rate detector, the offline analyzer over a folder catalog, the
 * runbook executor running a local-process runbook, Slack (Web API) and Jira notifiers on the
 * parent's local servers, and the file store for incidents and the outbox.
 *
 * It tells the parent what happens as JSON lines on stdout (`ready`, each incident event, each
 * delivery), and appends the id of every log event it processed to `processed.txt` just before
 * acknowledging its Kinesis record, so the parent can check that nothing was lost. SIGTERM stops it
 * gracefully.
 *
 *   node --import tsx closed-loop-child.ts <config.json> <run number>
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type Analyzer, type Delivery, listAll, type Source } from '@aiops/core';
import { createErrorRateDetector } from '@aiops/detectors';
import { createCloudWatchLogsDecoder, createFileCheckpointStore, createKinesisSource } from '@aiops/ingest';
import { createOfflineAnalyzer } from '@aiops/llm-analyzer';
import { createJiraNotifier, createSlackNotifier } from '@aiops/notifiers';
import { createFolderCatalog, createRunbookExecutor } from '@aiops/runbook-executor';
import { createPipeline, FileStateStore, type ProgressRecord } from '../../src/index.js';

/** What the parent hands every run. */
export interface ChildConfig {
  readonly dir: string;
  readonly catalogDir: string;
  readonly runsFile: string;
  readonly kinesisEndpoint: string;
  readonly stream: string;
  readonly slackApiUrl: string;
  readonly jiraUrl: string;
  /** Time the analysis takes (a model call would), so that a kill can land between detection and action. */
  readonly analyzeDelayMs: number;
  /**
   * Gates the test opens to hold a phase open until it killed the process there: the analysis
   * waits for this file to exist...
   */
  readonly analysisGate: string;
  /** ...and the runbook's script for this one (given to it as RUNBOOK_GATE). */
  readonly runbookGate: string;
}

const [configFile, runArg] = process.argv.slice(2) as [string, string];
const config = JSON.parse(readFileSync(configFile, 'utf8')) as ChildConfig;
const run = Number(runArg);
const say = (m: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ run, at: Date.now(), ...m })}\n`);
};
const processedFile = join(config.dir, 'processed.txt');
const WORKER = 'chaos-worker';

const store = await FileStateStore.open({ dir: join(config.dir, 'store'), fsync: false });
const kinesis = createKinesisSource({
  streamName: config.stream,
  // The source makes (and destroys) its client; our code does the retrying.
  clientConfig: {
    endpoint: config.kinesisEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  },
  initialPosition: 'TRIM_HORIZON',
  checkpoints: createFileCheckpointStore({ path: join(config.dir, 'checkpoints.json') }),
  checkpointEveryRecords: 20,
  checkpointIntervalMs: 200,
  minPollIntervalMs: 50,
  maxPollIntervalMs: 200,
  shardSyncIntervalMs: 5_000,
});

/** The ids of the log events in a CloudWatch Logs subscription record. */
function logEventIds(d: Delivery): string[] {
  if (d.payload.type !== 'bytes') return [];
  try {
    const message = JSON.parse(gunzipSync(d.payload.data).toString('utf8')) as { logEvents?: Array<{ id: string }> };
    return (message.logEvents ?? []).map((e) => e.id);
  } catch {
    return [`undecodable:${d.id}`];
  }
}

/** The Kinesis source, with each record's log event ids written down as it is acknowledged. */
const source: Source = {
  name: kinesis.name,
  async *read(ctx) {
    for await (const item of kinesis.read(ctx)) {
      const batch = Array.isArray(item) ? (item as readonly Delivery[]) : [item as Delivery];
      yield batch.map(
        (d): Delivery => ({
          id: d.id,
          payload: d.payload,
          origin: d.origin,
          ack: () => {
            const ids = logEventIds(d);
            if (ids.length > 0) appendFileSync(processedFile, `${ids.map((id) => `${id} ${run}`).join('\n')}\n`);
            d.ack();
          },
          nack: (reason) => d.nack(reason),
        }),
      );
    }
  },
  stop: () => kinesis.stop(),
  lagMs: () => kinesis.lagMs?.(),
};

const catalog = createFolderCatalog({ dir: config.catalogDir, pollIntervalMs: 60_000 });
await catalog.ready();
const executor = createRunbookExecutor({
  catalog,
  store,
  local: {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RUNS_FILE: config.runsFile, RUNBOOK_GATE: config.runbookGate },
    runDir: join(config.dir, 'local-runs'),
    resumePollMs: 100,
  },
  // A silent owner is presumed dead after three beats: a restarted process takes the run over soon.
  heartbeatMs: 500,
  audit: { ndjsonPath: join(config.dir, 'audit.ndjson') },
});
const offline = createOfflineAnalyzer();
const analyzer: Analyzer = {
  name: offline.name,
  async analyze(request, ctx) {
    say({ m: 'analyzing', attempt: ctx.attempt });
    await new Promise((resolve) => setTimeout(resolve, config.analyzeDelayMs));
    while (!existsSync(config.analysisGate)) await new Promise((resolve) => setTimeout(resolve, 50));
    return offline.analyze(request, ctx);
  },
};

const pipeline = createPipeline({
  sources: [source],
  decoders: [createCloudWatchLogsDecoder({ service: (group) => group.split('/').pop() })],
  detectors: [
    createErrorRateDetector({
      windowMs: 1_000,
      allowedLatenessMs: 300,
      minLines: 20,
      minErrors: 5,
      warmupWindows: 2,
      resolveAfterWindows: 2,
    }),
  ],
  analyzer,
  executor,
  catalog,
  notifiers: [
    createSlackNotifier({
      token: 'xoxb-test-token',
      slackApiUrl: config.slackApiUrl,
      channel: 'C0INCIDENTS',
      perChannelIntervalMs: 0,
      workerId: WORKER,
    }),
    createJiraNotifier({
      host: config.jiraUrl,
      email: 'bot@example.com',
      apiToken: 'jira-token',
      projectKey: 'OPS',
      searchSettleMs: 500,
      workerId: WORKER,
    }),
  ],
  store,
  incidents: { groupIntervalMs: 60_000, resolveAfterMs: 60_000 },
  fastPath: { flushIntervalMs: 200, snapshotIntervalMs: 500 },
  slowPath: {
    workerId: WORKER,
    scanIntervalMs: 500,
    leaseMs: 10_000,
    retry: { baseMs: 200, maxMs: 2_000, notifyMaxAttempts: 50 },
  },
});
pipeline.on('event', (e) => say({ m: 'event', type: e.type, fingerprint: e.incident.fingerprint }));
pipeline.on('delivered', (e, notifier) => say({ m: 'delivered', type: e.type, notifier }));
pipeline.on('error', (f) => say({ m: 'error', stage: f.stage, plugin: f.plugin, message: f.message }));
pipeline.on('deadLetter', (d) => say({ m: 'deadLetter', stage: d.stage, plugin: d.plugin, message: d.reason }));

/** Whether the outbox holds nothing left to deliver (a delivery may be waiting on a retry timer). */
async function delivered(): Promise<boolean> {
  const outbox = await listAll<ProgressRecord>(store, 'outbox/');
  return outbox.every(({ value }) => value.log.length === 0);
}

let stopping = false;
// The last life is stopped with SIGTERM once the incident resolved: it finishes what is left to
// deliver (for up to 20 s), then stops gracefully.
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    for (const t0 = Date.now(); Date.now() - t0 < 20_000 && !(await delivered()); ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await pipeline.stop({ deadlineMs: 10_000 });
    await executor.stop();
    await catalog.stop();
    await store.close();
    say({ m: 'stopped' });
    process.exit(0);
  })();
});

await pipeline.start();
say({ m: 'ready' });
