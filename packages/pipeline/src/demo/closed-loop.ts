import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type IncidentEvent, type Notifier, parseOptions, type RunbookCatalogView } from '@aiops/core';
import { createErrorRateDetector } from '@aiops/detectors';
import {
  createCloudWatchLogsDecoder,
  createFileCheckpointStore,
  createKinesisProducer,
  createKinesisSource,
} from '@aiops/ingest';
import { analyzerFromEnv } from '@aiops/llm-analyzer';
import { createConsoleNotifier } from '@aiops/notifiers';
import { createFolderCatalog, createRunbookExecutor } from '@aiops/runbook-executor';
import { NdjsonDeadLetterSink } from '../dead-letter.js';
import { FileStateStore } from '../file-store.js';
import { createPipeline } from '../pipeline.js';
import {
  type ClosedLoopDemoOptions,
  ClosedLoopDemoOptionsSchema,
  type ClosedLoopDemoResult,
  type ClosedLoopDemoSummary,
  type ClosedLoopTimelineEntry,
} from './closed-loop-options.js';
import { renderDemoReport } from './demo-report.js';
import { type DemoService, startDemoService } from './demo-service.js';
import { findExampleRunbooks, freePort, notifiersFromEnv, observeSpike, sleep, waitFor } from './demo-support.js';
import { startInProcessKinesis } from './in-process-kinesis.js';
import { type LoadGenerator, startLoad } from './load-generator.js';
import { type LogShipper, type ShippedLine, startLogShipper } from './log-shipper.js';

const SERVICE = 'checkout';
const STREAM = 'aiops-demo-logs';
const LOG_GROUP = `/demo/${SERVICE}`;
const BUCKET_MS = 500;

/**
 * Runs the closed loop end to end on this machine, with nothing but Node: a small HTTP service (a
 * child process) serves a steady load and logs every request as a JSON line; a log shipper puts
 * those lines on a Kinesis stream (kinesalite, in-process) as CloudWatch Logs subscription
 * payloads; a pipeline reads the stream (file store, file checkpoints), and the error-rate detector
 * opens an incident once a fault (an exhausted connection pool) makes the service fail; the
 * analyzer (offline, or Bedrock when the environment configures it) proposes `restart-service`
 * from the example runbooks; the local executor runs it behind the guardrails; the error rate
 * falls back, which resolves the incident and verifies the action. Notifications go to the console,
 * and to Slack, Jira and a webhook when `env` configures them. Writes an HTML report, and cleans up
 * every process and the temporary folder, also on failure or abort.
 *
 * @example
 * ```ts
 * import { runClosedLoopDemo } from '@aiops/pipeline';
 * const result = await runClosedLoopDemo({ env: process.env, reportPath: './demo-report.html' });
 * console.log(JSON.stringify(result.summary));
 * process.exitCode = result.ok ? 0 : 1;
 * ```
 */
export async function runClosedLoopDemo(options: ClosedLoopDemoOptions = {}): Promise<ClosedLoopDemoResult> {
  const startedAt = Date.now();
  const o = parseOptions(ClosedLoopDemoOptionsSchema, options, 'runClosedLoopDemo');
  const write = o.write ?? ((text: string) => process.stdout.write(text));
  const env = o.env;
  const rate = o.requestsPerSecond;
  const signal = o.signal;
  const tmp = await mkdtemp(join(tmpdir(), 'aiops-demo-'));
  const timeline: ClosedLoopTimelineEntry[] = [];
  const note = (what: string, kind?: ClosedLoopTimelineEntry['kind'], at = Date.now()) => {
    timeline.push({ at, what, ...(kind ? { kind } : {}) });
  };
  const say = (line: string) => write(`[demo] ${line}\n`);
  // Undone in reverse order, whatever happens.
  const cleanups: { what: string; run: () => Promise<unknown> }[] = [];
  const cleanup = async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop()!;
      try {
        await step.run();
      } catch (err) {
        say(`clean-up of ${step.what} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  let service: DemoService | undefined;
  // If the process exits without our clean-up (an uncaught error, process.exit elsewhere), the
  // service must not be left running; and the folder goes unless it was asked for.
  const onExit = () => {
    service?.killNow();
    if (!o.keep) rmSync(tmp, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  // On abort (Ctrl-C) the service goes first, at once: a package runner may not wait long for the rest.
  const onAbort = () => service?.killNow();
  signal?.addEventListener('abort', onAbort, { once: true });

  const buckets = new Map<number, { requests: number; errors: number }>();
  const events: IncidentEvent[] = [];
  const delivered: Record<string, number> = {};
  let firstFailure: ShippedLine | undefined;
  let spikeOnStreamAt: number | undefined;
  let firstFailingWrittenAt: number | undefined;
  let detectedAt: number | undefined;
  let actionAt: number | undefined;
  let resolvedAt: number | undefined;
  let failure: string | undefined;
  let incidents = 0;
  let runbookRuns = 0;
  let analyzerName = 'offline';
  let load: LoadGenerator | undefined;
  let shipper: LogShipper | undefined;
  let reportPath: string | undefined;
  let notifierNames: string[] = [];
  let resolvedDeliveries = 0;
  const loadWindow = { from: 0, to: Number.POSITIVE_INFINITY };

  try {
    signal?.throwIfAborted();
    const runbooksDir = resolve(o.runbooksDir ?? findExampleRunbooks());
    const catalog = createFolderCatalog({ dir: runbooksDir });
    cleanups.push({ what: 'the runbook catalog', run: () => catalog.stop() });
    await catalog.ready();
    // This machine can run local runbooks only: the analyzer may propose those, the guardrails allow those.
    const local = catalog
      .list()
      .map((r) => r.id)
      .filter((id) => catalog.runbook(id)?.runbook.action.type === 'local');
    if (!local.includes('restart-service')) {
      throw new Error(`${runbooksDir} has no local restart-service runbook (runbooks/restart-service.yaml)`);
    }
    const runnable: RunbookCatalogView = {
      list: () => catalog.list().filter((r) => local.includes(r.id)),
      get: (id) => (local.includes(id) ? catalog.get(id) : undefined),
    };

    // Settings that can be wrong (Slack, Jira, webhook, Bedrock) are checked before anything starts.
    const analyzer = analyzerFromEnv(env, { catalog: runnable });
    analyzerName = analyzer.name;
    const notifiers: Notifier[] = [
      createConsoleNotifier({
        stream: { write, isTTY: o.write === undefined && process.stdout.isTTY === true },
        color: o.color,
      }),
      ...notifiersFromEnv(env),
    ];
    notifierNames = notifiers.map((n) => n.name);
    for (const name of notifierNames) delivered[name] = 0;

    const kinesis = await startInProcessKinesis();
    cleanups.push({ what: 'kinesalite', run: () => kinesis.close() });
    await kinesis.createStream(STREAM, 1);
    note(`kinesalite listening on ${kinesis.endpoint}, stream ${STREAM} created`);

    const port = await freePort();
    service = await startDemoService(tmp, SERVICE, port);
    const started = service;
    cleanups.push({ what: 'the service', run: () => started.stop() });
    note(`service ${SERVICE} started (pid ${service.child.pid}) on 127.0.0.1:${port}`);
    say(`service ${SERVICE} is up on 127.0.0.1:${port} (pid ${service.child.pid}); working in ${tmp}`);

    const producer = createKinesisProducer({
      streamName: STREAM,
      clientConfig: { ...kinesis.clientConfig, maxAttempts: 3 },
      lingerMs: 20,
    });
    cleanups.push({ what: 'the Kinesis producer', run: () => producer.stop() });
    shipper = await startLogShipper({
      file: service.logFile,
      producer,
      logGroup: LOG_GROUP,
      intervalMs: 100,
      onLine: (line) => {
        if (line.status === undefined || line.path === '/health' || line.path?.startsWith('/admin/')) return;
        const t = Math.floor(line.timestamp / BUCKET_MS) * BUCKET_MS;
        const b = buckets.get(t) ?? { requests: 0, errors: 0 };
        b.requests++;
        if (line.status >= 500) {
          b.errors++;
          if (!firstFailure) {
            firstFailure = line;
            note(`first failing request logged: ${line.status} ${line.path}`, 'fault', line.timestamp);
          }
        }
        buckets.set(t, b);
      },
      onBatch: ({ lines, outcome, settledAt }) => {
        if (outcome.status !== 'written') {
          say(`a log record was not written to the stream: ${outcome.errorCode} ${outcome.errorMessage}`);
          return;
        }
        // Only a fallback: the record's own arrival time on the stream, seen by the decoder below, is the measure.
        if (firstFailingWrittenAt === undefined && lines.some((l) => (l.status ?? 0) >= 500)) {
          firstFailingWrittenAt = settledAt;
        }
      },
    });
    const runningShipper = shipper;
    cleanups.push({ what: 'the log shipper', run: () => runningShipper.stop() });

    const store = await FileStateStore.open({ dir: join(tmp, 'state') });
    const executor = createRunbookExecutor({
      catalog,
      store,
      guardrails: { allow: local },
      local: {
        env: { AIOPS_SERVICE_DIR: tmp, PATH: process.env.PATH ?? '' },
        allowedPrograms: ['node'],
        // Supervised runs: a restart the demo's process did not see finish is followed, never repeated.
        runDir: join(tmp, 'local-runs'),
      },
      audit: { ndjsonPath: join(tmp, 'audit.ndjson') },
      workerId: 'demo',
      // A restart takes a fraction of a second; on Ctrl-C nobody waits long.
      stopDrainMs: 2_000,
    });
    const pipeline = createPipeline({
      sources: [
        createKinesisSource({
          streamName: STREAM,
          clientConfig: { ...kinesis.clientConfig, maxAttempts: 3 },
          initialPosition: 'TRIM_HORIZON',
          checkpoints: createFileCheckpointStore({ path: join(tmp, 'checkpoints.json') }),
          minPollIntervalMs: 100,
          maxPollIntervalMs: 200,
          checkpointIntervalMs: 1_000,
          keepProcessAlive: false,
          drainTimeoutMs: 2_000,
        }),
      ],
      decoders: [
        // The service logs JSON lines: their message, level and status make the signal, not the raw JSON.
        observeSpike(
          createCloudWatchLogsDecoder({ service: (group) => group.split('/').pop(), jsonMessages: true }),
          (receivedAt) => {
            spikeOnStreamAt = receivedAt ?? firstFailingWrittenAt ?? Date.now();
            note('the first failing request reached the Kinesis stream', 'fault', spikeOnStreamAt);
          },
        ),
      ],
      // Tuned for a demo: one-second windows judged half a second after they end, a baseline
      // learned in two windows, and two normal windows to resolve. The defaults suit production.
      detectors: [
        createErrorRateDetector({
          windowMs: 1_000,
          allowedLatenessMs: 500,
          minLines: 10,
          minErrors: 5,
          warmupWindows: 2,
          resolveAfterWindows: 2,
        }),
      ],
      analyzer,
      executor,
      catalog: runnable,
      notifiers,
      store,
      deadLetter: new NdjsonDeadLetterSink({ file: join(tmp, 'dead-letters.ndjson') }),
      fastPath: { flushIntervalMs: 200 },
      slowPath: { workerId: 'demo', scanIntervalMs: 1_000 },
    });
    cleanups.push({ what: 'the pipeline', run: () => pipeline.stop({ deadlineMs: signal?.aborted ? 500 : 5_000 }) });
    pipeline.on('incident', (change) => {
      if (change.type !== 'created') return;
      incidents++;
      detectedAt ??= Date.now();
      note(`incident created: ${change.incident.title}`, 'detection');
    });
    pipeline.on('event', (event) => {
      events.push(event);
      switch (event.type) {
        case 'incident.analyzed': {
          const p = event.analysis.proposedAction;
          note(
            `analyzed by ${event.analysis.analyzer}: ${p ? `proposes ${p.runbookId} ${JSON.stringify(p.parameters)}` : 'no runbook proposed'}`,
          );
          break;
        }
        case 'action.started':
          actionAt ??= Date.now();
          note(`runbook ${event.plan.runbookId} started`, 'action');
          break;
        case 'action.succeeded':
          runbookRuns++;
          note(
            `runbook ${event.plan.runbookId} succeeded: service restarted (pid ${service?.currentPid() ?? '?'})`,
            'action',
          );
          break;
        case 'action.failed':
          runbookRuns++;
          failure ??= `runbook ${event.plan.runbookId} failed: ${event.result.status}`;
          note(failure, 'action');
          break;
        case 'action.skipped':
          failure ??= `the action was skipped: ${event.reason}`;
          note(failure, 'action');
          break;
        case 'incident.escalated':
          failure ??= `the incident escalated: ${event.reason}`;
          note(failure);
          break;
        case 'incident.verified':
          note('verified: the error rate is back to normal after the runbook', 'recovery');
          break;
        case 'incident.resolved':
          resolvedAt ??= Date.now();
          note('incident resolved', 'recovery');
          break;
      }
    });
    pipeline.on('delivered', (event, notifier) => {
      delivered[notifier] = (delivered[notifier] ?? 0) + 1;
      if (event.type === 'incident.resolved') resolvedDeliveries++;
    });
    await pipeline.start();

    load = startLoad(port, rate);
    loadWindow.from = Date.now();
    const running = load;
    cleanups.push({ what: 'the load generator', run: () => running.stop() });
    note(`load generator started: ${rate} requests/s`);
    say(`sending ${rate} requests/s; the fault comes in ${(o.warmupMs / 1_000).toFixed(1)} s`);
    await sleep(o.warmupMs, signal);

    const fault = await fetch(`http://127.0.0.1:${port}/admin/fault`, { method: 'POST', signal: signal ?? null });
    await fault.arrayBuffer();
    if (fault.status !== 202) throw new Error(`the service refused the fault injection (HTTP ${fault.status})`);
    note('fault injected: the service stops returning database connections to its pool', 'fault');
    say('fault injected: connections leak until the pool is exhausted');

    const timeoutMs = o.timeoutMs;
    const closed = await waitFor(
      () => failure !== undefined || resolvedDeliveries >= notifierNames.length,
      timeoutMs,
      signal,
    );
    if (!closed) failure ??= `the loop did not close within ${timeoutMs} ms of the fault`;
    if (failure === undefined) await sleep(o.tailMs, signal);

    // Stop in pipeline order: traffic, then shipping, then the pipeline (which stops the executor).
    loadWindow.to = Date.now();
    await running.stop();
    await runningShipper.stop();
    await pipeline.stop({ deadlineMs: 5_000 });
    runbookRuns = Object.values(executor.stats().runs).reduce((a, b) => a + b, 0);
    incidents = pipeline.stats().incidents.created;
  } finally {
    await cleanup();
    process.off('exit', onExit);
    signal?.removeEventListener('abort', onAbort);
    if (!o.keep) rmSync(tmp, { recursive: true, force: true });
  }

  const zero = spikeOnStreamAt;
  const after = (at: number | undefined) => (zero === undefined || at === undefined ? null : at - zero);
  const summary: ClosedLoopDemoSummary = {
    spikeAt: zero === undefined ? null : new Date(zero).toISOString(),
    detectedAfterMs: after(detectedAt),
    actionAfterMs: after(actionAt),
    recoveredAfterMs: after(resolvedAt),
    runbookRuns,
    incidents,
    notifications: { ...delivered },
  };
  if (failure === undefined && !(incidents === 1 && runbookRuns === 1 && resolvedAt !== undefined)) {
    failure = `expected one incident, one runbook run and a recovery; saw ${incidents} incident(s), ${runbookRuns} run(s)${resolvedAt === undefined ? ', no recovery' : ''}`;
  }
  timeline.sort((a, b) => a.at - b.at);

  if (o.reportPath !== false) {
    reportPath = resolve(o.reportPath);
    note(`report written to ${reportPath}`);
    await writeFile(
      reportPath,
      renderDemoReport({
        loadWindow,
        service: SERVICE,
        bucketMs: BUCKET_MS,
        summary,
        timeline,
        buckets,
        events,
        analyzer: analyzerName,
        load,
        shipper,
        startedAt,
      }),
    );
  }
  const wallMs = Date.now() - startedAt;
  return {
    ok: failure === undefined,
    ...(failure !== undefined ? { failure } : {}),
    summary,
    timeline,
    ...(reportPath ? { reportPath } : {}),
    ...(o.keep ? { tempDir: tmp } : {}),
    wallMs,
    load: { ...(load?.stats ?? { sent: 0, ok: 0, failed: 0, unreachable: 0 }) },
    shipped: {
      lines: shipper?.stats.lines ?? 0,
      records: shipper?.stats.records ?? 0,
      failedRecords: shipper?.stats.failedRecords ?? 0,
    },
    analyzer: analyzerName,
  };
}
