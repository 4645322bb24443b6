import { constants, createReadStream } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type Analysis,
  type Clock,
  type DeadLetterRecord,
  type Decoder,
  type Delivery,
  type IncidentEvent,
  type Severity,
  type Signal,
  type Source,
  systemClock,
} from '@aiops/core';
import { createAutoDecoder, createFileSource, createJsonDecoder, createTextLogDecoder } from '@aiops/ingest';
import { buildPipeline } from '../config/build.js';
import { type LoadedConfig, parseConfigText } from '../config/load.js';
import { MemoryDeadLetterSink } from '../dead-letter.js';
import { renderIncidentReport, reportIncidentsFromEvents } from '../report/incident-report.js';
import type { ReportBucket, ReportMark } from '../report/report-types.js';
import type { PipelineStats } from '../stats.js';
import type { CliCommand, CliIo } from './command.js';
import { createProgress } from './progress-line.js';
import { loadOrReport, reportConfigError } from './run-command.js';

const FORMATS = ['ndjson', 'auto', 'text', 'cloudwatch-events', 'cloudwatch-export'] as const;
type ReplayFormat = (typeof FORMATS)[number];

const USAGE = `Usage: aiops replay <file> [--format <format>] [--config <file>] [--report <out.html>] [--json] [--service <name>] [--log-group <name>]

Runs a file through a pipeline and prints what it found: each incident with its open and resolve
times and findings, the dead letters with their reasons, and timings. Nothing acts on the world
(unless --live): the executor runs in dry-run mode, the only notifier is the console, the store is
in memory, and incidents run on the event time of the file.

Without --config the pipeline has the default detectors and the offline analyzer; with it, the
config's detectors, incident rules, analyzer and runbooks (its sources, store and notifiers are
replaced as above).

Formats:
  ndjson             one JSON log object a line ({ ts, level, service, msg } and the like); default
  auto               one record a line, recognised per line: JSON logs, EventBridge alarm events,
                     Metric Streams JSON, CloudWatch Logs subscription data
  text               plain log lines (the level is guessed; --service names the series)
  cloudwatch-events  the JSON of "aws logs filter-log-events" / "get-log-events" (alias cloudwatch-logs)
  cloudwatch-export  a CloudWatch Logs export to S3 (<ISO time> <message> lines, gzip or not)

Options:
  --format <format>   see above
  -c, --config <file> take detectors, incident rules, analyzer and runbooks from a config
  --service <name>    service of text and CloudWatch lines
  --log-group <name>  log group of CloudWatch lines
  --report <file>     also write a self-contained HTML report: log lines and errors over the
                      file's time, incident open/resolve marks, timelines and analyses
  --live              with --config: the config's store, executor (its own dry-run setting) and
                      notifiers act for real; incidents then run on the wall clock
  --json              one JSON object with everything found, instead of text
  -h, --help          this text

Progress goes to stderr: a bar when stderr is a terminal, a line every few seconds otherwise.
`;

/** An incident as the replay saw it. */
interface ReplayIncident {
  fingerprint: string;
  title: string;
  severity: Severity;
  labels: Record<string, string>;
  openedAt: number;
  resolvedAt: number | undefined;
  findings: number;
  analysis: Pick<Analysis, 'summary' | 'probableCause' | 'confidence'> | undefined;
  timeline: Array<{ at: number; type: string; detail?: string }>;
}

/** `aiops replay <file>`: a file through the pipeline, with no live side effects. */
export const replayCommand: CliCommand = {
  name: 'replay',
  summary: 'run a log file through a pipeline (dry run) and print the incidents, findings and dead letters',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        format: { type: 'string', default: 'ndjson' },
        config: { type: 'string', short: 'c' },
        service: { type: 'string' },
        'log-group': { type: 'string' },
        json: { type: 'boolean', default: false },
        report: { type: 'string' },
        live: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const format = (values.format === 'cloudwatch-logs' ? 'cloudwatch-events' : values.format) as ReplayFormat;
    const [file] = positionals;
    if (!file || positionals.length > 1) {
      io.err(`aiops replay: expected one file to replay\n\n${USAGE}`);
      return 2;
    }
    if (!FORMATS.includes(format)) {
      io.err(`aiops replay: unknown format "${values.format}" (one of ${FORMATS.join(', ')})\n\n${USAGE}`);
      return 2;
    }
    if (values.live && !values.config) {
      io.err(`aiops replay: --live needs --config (the store, executor and notifiers to use)\n\n${USAGE}`);
      return 2;
    }
    const loaded = values.config ? await loadOrReport(values.config, io) : defaultReplayConfig();
    if (!loaded) return 1;
    return replay(
      loaded,
      {
        file,
        format,
        json: values.json,
        service: values.service,
        logGroup: values['log-group'],
        report: values.report,
        live: values.live,
      },
      io,
    );
  },
};

/** A config with the defaults and a placeholder source (replaced), for a replay without --config. */
function defaultReplayConfig(): LoadedConfig {
  return parseConfigText(JSON.stringify({ sources: [{ type: 'file', paths: 'replayed' }] }), '<defaults>');
}

function decodersFor(format: ReplayFormat, service: string | undefined, logGroup: string | undefined): Decoder[] {
  if (format === 'text') {
    return [createTextLogDecoder({ ...(service ? { service } : {}), ...(logGroup ? { logGroup } : {}) })];
  }
  if (format === 'ndjson') return [createJsonDecoder({ name: 'ndjson', format: 'ndjson' })];
  return [createAutoDecoder({ json: {} })];
}

/**
 * A clock that reads the event time of the newest signal seen (the wall clock before the first), so
 * a replayed file's incidents open, group and resolve on the file's time, not on how fast it is read.
 * Timers stay on the wall clock: they pace the pipeline's work.
 */
function eventTimeClock(): Clock & {
  observe(signals: readonly Signal[]): void;
  /** Log lines and error lines per second of event time, for the report's chart. */
  readonly seconds: Map<number, { requests: number; errors: number }>;
} {
  let newest: number | undefined;
  const seconds = new Map<number, { requests: number; errors: number }>();
  return {
    now: () => newest ?? Date.now(),
    setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
    clearTimeout: (handle) => systemClock.clearTimeout(handle),
    seconds,
    observe(signals) {
      for (const s of signals) {
        if (newest === undefined || s.timestamp > newest) newest = s.timestamp;
        if (s.type !== 'log') continue;
        const second = Math.floor(s.timestamp / 1000) * 1000;
        let b = seconds.get(second);
        if (!b) {
          b = { requests: 0, errors: 0 };
          seconds.set(second, b);
        }
        b.requests++;
        if (s.level === 'error' || s.level === 'fatal') b.errors++;
      }
    },
  };
}

/** Per-second counts gathered into about 120 buckets of a round size, for the report's chart. */
function reportSeries(seconds: ReadonlyMap<number, { requests: number; errors: number }>): {
  bucketMs: number;
  series: ReportBucket[];
} {
  const keys = [...seconds.keys()].sort((a, b) => a - b);
  const span = keys.length > 0 ? (keys.at(-1) as number) - (keys[0] as number) + 1000 : 1000;
  const bucketMs =
    [1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000].find((b) => span / b <= 150) ?? 86_400_000;
  const buckets = new Map<number, ReportBucket>();
  for (const k of keys) {
    const t = Math.floor(k / bucketMs) * bucketMs;
    const c = seconds.get(k) as { requests: number; errors: number };
    const b = buckets.get(t) ?? { t, requests: 0, errors: 0 };
    buckets.set(t, { t, requests: b.requests + c.requests, errors: b.errors + c.errors });
  }
  return { bucketMs, series: [...buckets.values()].sort((a, b) => a.t - b.t) };
}

function observedDecoder(d: Decoder, clock: ReturnType<typeof eventTimeClock>): Decoder {
  return {
    name: d.name,
    ...(d.matches ? { matches: (record) => d.matches?.(record) ?? true } : {}),
    decode(record) {
      const signals = d.decode(record);
      clock.observe(signals);
      return signals;
    },
  };
}

function observedSource(source: Source, clock: ReturnType<typeof eventTimeClock>): Source {
  return {
    name: source.name,
    async *read(ctx) {
      for await (const item of source.read(ctx)) {
        const deliveries = (Array.isArray(item) ? item : [item]) as Delivery[];
        if (!deliveries.some((d) => d.payload.type === 'signals')) {
          yield item;
          continue;
        }
        // Signals skip the decoders, where the clock otherwise advances record by record: hand
        // them over one delivery at a time, so each incident opens at the time of its own records.
        for (const d of deliveries) {
          if (d.payload.type === 'signals') clock.observe(d.payload.signals);
          yield d;
        }
      }
    },
    stop: () => source.stop?.(),
  };
}

async function countLines(file: string): Promise<number | undefined> {
  if (file.endsWith('.gz')) return undefined;
  let lines = 0;
  let last = 10;
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      if (chunk.length > 0) last = chunk[chunk.length - 1] as number;
    }
  } catch {
    return undefined;
  }
  return last === 10 ? lines : lines + 1;
}

async function replay(
  loaded: LoadedConfig,
  o: {
    file: string;
    format: ReplayFormat;
    json: boolean;
    service?: string | undefined;
    logGroup?: string | undefined;
    report?: string | undefined;
    live?: boolean;
  },
  io: CliIo,
): Promise<number> {
  try {
    await access(o.file, constants.R_OK);
  } catch (err) {
    io.err(`aiops replay: cannot read ${o.file}: ${(err as Error).message}\n`);
    return 1;
  }
  const started = performance.now();
  const total = o.format === 'cloudwatch-events' ? undefined : await countLines(o.file);
  const source = createFileSource({
    paths: o.file,
    name: 'replay',
    format: o.format === 'cloudwatch-events' || o.format === 'cloudwatch-export' ? o.format : 'lines',
    ...(o.service ? { service: o.service } : {}),
    ...(o.logGroup ? { logGroup: o.logGroup } : {}),
  });
  const deadLetter = new MemoryDeadLetterSink({ maxRecords: 100_000 });
  const clock = eventTimeClock();
  let built: Awaited<ReturnType<typeof buildPipeline>>;
  try {
    built = await buildPipeline(loaded, {
      sources: [observedSource(source, clock)],
      decoders: decodersFor(o.format, o.service, o.logGroup).map((d) => observedDecoder(d, clock)),
      // Live: the config's store, executor and notifiers, on the wall clock (a persistent store
      // expires records by wall time; the file's event time could be long past).
      ...(o.live ? {} : { clock, dryRun: true, memoryStore: true }),
      deadLetter,
      console: { write: o.json ? () => undefined : io.out, isTTY: false },
    });
  } catch (err) {
    reportConfigError(err, io);
    return 1;
  }
  const { pipeline } = built;
  const incidents = new Map<string, ReplayIncident>();
  const track = (incident: IncidentEvent['incident']): ReplayIncident => {
    const key = `${incident.fingerprint}:${incident.epoch}`;
    let r = incidents.get(key);
    if (!r) {
      r = {
        fingerprint: incident.fingerprint,
        title: incident.title,
        severity: incident.severity,
        labels: { ...incident.labels },
        openedAt: incident.openedAt,
        resolvedAt: undefined,
        findings: 0,
        analysis: undefined,
        timeline: [],
      };
      incidents.set(key, r);
    }
    r.title = incident.title;
    r.severity = incident.severity;
    r.findings = incident.counts.findings;
    r.resolvedAt = incident.resolvedAt;
    return r;
  };
  pipeline.on('incident', (c) => {
    const r = track(c.incident);
    if (c.type !== 'updated') r.timeline.push({ at: c.incident.updatedAt, type: c.type });
  });
  const events: IncidentEvent[] = [];
  pipeline.on('event', (e) => {
    events.push(e);
    const r = track(e.incident);
    if (e.type === 'incident.analyzed') {
      r.analysis = {
        summary: e.analysis.summary,
        probableCause: e.analysis.probableCause,
        confidence: e.analysis.confidence,
      };
    }
    if (e.type.startsWith('action.') || e.type === 'incident.analyzed' || e.type === 'incident.escalated') {
      r.timeline.push({ at: e.at, type: e.type, ...('plan' in e && e.plan ? { detail: e.plan.runbookId } : {}) });
    }
  });

  const progress = createProgress(io, total, () => source.stats().lines);
  // A source that cannot read is retried by the pipeline forever; a replay gives up instead.
  let sourceFailure: string | undefined;
  const failed = new Promise<void>((resolve) =>
    pipeline.on('error', (f) => {
      if (f.stage !== 'source') return;
      sourceFailure = f.message;
      resolve();
    }),
  );
  let stats: PipelineStats;
  let processMs: number;
  try {
    await built.start();
    await Promise.race([pipeline.drained(), failed]);
    processMs = performance.now() - started;
    await built.stop(10_000);
    stats = pipeline.stats();
  } finally {
    progress.done();
  }
  if (sourceFailure !== undefined) {
    io.err(`aiops replay: reading ${o.file} failed: ${sourceFailure}\n`);
    return 1;
  }
  const ms = performance.now() - started;
  const found = [...incidents.values()].sort((a, b) => a.openedAt - b.openedAt);
  const dead = deadLetter.records;
  if (o.report) {
    const { bucketMs, series } = reportSeries(clock.seconds);
    const marks: ReportMark[] = found.flatMap((i) => [
      { at: i.openedAt, label: `opened: ${i.title}`, kind: 'detection' as const },
      ...(i.resolvedAt === undefined
        ? []
        : [{ at: i.resolvedAt, label: `resolved: ${i.title}`, kind: 'recovery' as const }]),
      ...i.timeline
        .filter((e) => e.type.startsWith('action.'))
        .map((e) => ({
          at: e.at,
          label: `${e.type}${e.detail ? ` ${e.detail}` : ''} (dry run)`,
          kind: 'action' as const,
        })),
    ]);
    const html = renderIncidentReport({
      title: `Replay of ${basename(o.file)}`,
      subtitle: `${o.format}, ${source.stats().lines} lines, executor in dry run`,
      bucketMs,
      series,
      seriesLabels: { count: 'log lines', errors: 'error lines' },
      marks,
      incidents: reportIncidentsFromEvents(events),
      facts: {
        lines: source.stats().lines,
        signals: stats.signals,
        findings: stats.findings,
        incidents: found.length,
        'dead letters': dead.length,
        'processing ms': Math.round(processMs),
      },
    });
    await writeFile(o.report, html);
    io.err(`aiops replay: report written to ${o.report}\n`);
  }
  if (o.json) {
    io.out(
      `${JSON.stringify({
        file: o.file,
        format: o.format,
        lines: source.stats().lines,
        timings: { totalMs: Math.round(ms), processMs: Math.round(processMs) },
        stats,
        incidents: found,
        deadLetters: dead,
      })}\n`,
    );
    return 0;
  }
  printSummary(io, o, source.stats().lines, { ms, processMs }, stats, found, dead);
  return 0;
}

function iso(at: number | undefined): string {
  return at === undefined ? '-' : new Date(at).toISOString();
}

function printSummary(
  io: CliIo,
  o: { file: string; format: ReplayFormat },
  lines: number,
  t: { ms: number; processMs: number },
  s: PipelineStats,
  found: readonly ReplayIncident[],
  dead: readonly DeadLetterRecord[],
): void {
  const n = (x: number): string => x.toLocaleString('en-US');
  const rate = t.processMs > 0 ? Math.round((lines / t.processMs) * 1000) : lines;
  const out: string[] = [
    '',
    `replayed ${basename(o.file)} (${o.format}): ${n(lines)} lines in ${Math.round(t.ms)} ms (${n(rate)} lines/s)`,
    `  ${n(s.signals)} signals, ${n(s.findings)} findings, ${found.length} incident(s), ${n(dead.length)} dead letter(s)`,
    '',
    `incidents (${found.length}):`,
  ];
  if (found.length === 0) out.push('  none');
  for (const i of found) {
    const lasted =
      i.resolvedAt === undefined ? 'still open' : `after ${Math.round((i.resolvedAt - i.openedAt) / 1000)} s`;
    out.push(`  ${i.severity.toUpperCase().padEnd(8)} ${i.title}`);
    out.push(
      `           opened ${iso(i.openedAt)}  resolved ${iso(i.resolvedAt)} (${lasted}), ${i.findings} finding${i.findings === 1 ? '' : 's'}`,
    );
    if (i.analysis)
      out.push(
        `           cause: ${i.analysis.probableCause} (confidence ${Math.round(i.analysis.confidence * 100)}%)`,
      );
    const actions = i.timeline.filter((e) => e.type.startsWith('action.'));
    for (const a of actions) out.push(`           ${a.type}${a.detail ? ` ${a.detail}` : ''} (dry run)`);
  }
  out.push('', `dead letters (${dead.length}):`);
  if (dead.length === 0) out.push('  none');
  for (const d of dead.slice(0, 20)) {
    out.push(`  ${d.origin?.line !== undefined ? `line ${d.origin.line}` : d.id}  ${d.stage}  ${d.reason}`);
  }
  if (dead.length > 20) out.push(`  ... and ${dead.length - 20} more (--json lists them all)`);
  out.push(
    '',
    `timings: ${Math.round(t.processMs)} ms reading, decoding and detecting; ${Math.round(t.ms - t.processMs)} ms draining`,
  );
  io.out(`${out.join('\n')}\n`);
}
