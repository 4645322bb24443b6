import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { createInterface, Interface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import {
  type Delivery,
  describeError,
  type LogSignal,
  type Origin,
  parseOptions,
  type RecordPayload,
  type Source,
  type StageContext,
} from '@aiops/core';
import { z } from 'zod';
import { detectLogLevel } from '../decoders/log-level.js';
import { parseAwsTime } from '../decoders/shape.js';
import { ShardProgress } from '../kinesis/progress.js';

/**
 * How a file is read:
 * - `lines`: each non-empty line is one record (bytes) for the pipeline's decoders: NDJSON, JSON
 *   log lines, plain text.
 * - `cloudwatch-export`: a CloudWatch Logs export to S3 (`<task>/<log stream>/000000.gz`): each line
 *   is `<ISO time> <message>`, turned into `log` signals of `logGroup` and the file's log stream.
 * - `cloudwatch-events`: the JSON `aws logs filter-log-events` / `get-log-events` print
 *   (`{"events":[{"logStreamName","timestamp","message","eventId"}]}`), one delivery per event.
 *
 * @example
 * ```ts
 * import type { FileFormat } from '@aiops/ingest';
 * const format: FileFormat = 'cloudwatch-export';
 * ```
 */
export type FileFormat = 'lines' | 'cloudwatch-export' | 'cloudwatch-events';

/**
 * Options of {@link createFileSource}.
 *
 * @example
 * ```ts
 * import type { FileSourceOptions } from '@aiops/ingest';
 * const options: FileSourceOptions = { paths: ['./export/000000.gz'], format: 'cloudwatch-export', logGroup: '/ecs/checkout', resume: true };
 * ```
 */
export interface FileSourceOptions {
  /** Files to replay, in order. Gzip is detected from the first bytes. */
  readonly paths: string | readonly string[];
  readonly format?: FileFormat;
  /** Source name: delivery ids, the resume key. Defaults to `file`. */
  readonly name?: string;
  /** Log group for `cloudwatch-export` and `cloudwatch-events` signals. */
  readonly logGroup?: string;
  /** Service for those signals (their series key). */
  readonly service?: string;
  /** Lines per yielded batch. Defaults to 500. */
  readonly batchSize?: number;
  /**
   * Remember in `ctx.store` the last line acked (contiguously) per file, and start after it next
   * time. Defaults to `false`: every run replays the files from the start.
   */
  readonly resume?: boolean;
  /** With `resume`, write the position after this many acks. Defaults to 1000. */
  readonly checkpointEveryLines?: number;
}

const OptionsSchema = z.object({
  paths: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  format: z.enum(['lines', 'cloudwatch-export', 'cloudwatch-events']).default('lines'),
  name: z.string().min(1).default('file'),
  logGroup: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  batchSize: z.number().int().positive().default(500),
  resume: z.boolean().default(false),
  checkpointEveryLines: z.number().int().positive().default(1_000),
});

type Resolved = z.output<typeof OptionsSchema>;

/**
 * A source that replays files, see {@link createFileSource}.
 *
 * @example
 * ```ts
 * import { createFileSource, type FileSource } from '@aiops/ingest';
 * const replay: FileSource = createFileSource({ paths: './incident.ndjson' });
 * replay.stats(); // { lines: 0, acked: 0, files: 0 }
 * ```
 */
export interface FileSource extends Source {
  stop(): void;
  /** Lines read, deliveries acked, and files finished so far. */
  stats(): { readonly lines: number; readonly acked: number; readonly files: number };
}

const enc = new TextEncoder();

/**
 * Replays NDJSON, log lines, or CloudWatch Logs exports from files (gzip or not) into a pipeline:
 * to reproduce an incident, test detectors on real data, or backfill. Reads as the pipeline pulls
 * (bounded memory), yields batches, and ends after the last file. With `resume`, the position of
 * each file is kept in the store, so a restarted replay continues where it stopped.
 *
 * @example
 * ```ts
 * import { createAutoDecoder, createFileSource } from '@aiops/ingest';
 * import { createPipeline } from '@aiops/pipeline';
 *
 * const replay = createFileSource({ paths: ['./incident-2024-05-01.ndjson.gz'] });
 * const pipeline = createPipeline({ sources: [replay], decoders: [createAutoDecoder({ json: {} })], detectors: [] });
 * await pipeline.start();
 * await pipeline.drained();
 * await pipeline.stop();
 * ```
 */
export function createFileSource(options: FileSourceOptions): FileSource {
  const o = parseOptions(OptionsSchema, options, 'createFileSource');
  const paths = typeof o.paths === 'string' ? [o.paths] : [...o.paths];
  let stopped = false;
  let reading = false;
  const counts = { lines: 0, acked: 0, files: 0 };
  return {
    name: o.name,
    async *read(ctx: StageContext) {
      if (reading) throw new Error(`file source "${o.name}" is already being read`);
      reading = true;
      try {
        for (const path of paths) {
          if (stopped || ctx.signal.aborted) return;
          yield* readFile(path, o, ctx, () => stopped || ctx.signal.aborted, counts);
          counts.files++;
        }
      } finally {
        reading = false;
      }
    },
    stop() {
      stopped = true;
    },
    stats: () => ({ ...counts }),
  };
}

async function* readFile(
  path: string,
  o: Resolved,
  ctx: StageContext,
  done: () => boolean,
  counts: { lines: number; acked: number },
): AsyncGenerator<Delivery[]> {
  const key = `file-source/${o.name}/${path}`;
  const start = o.resume ? ((await ctx.store.get<{ line: number }>(key))?.value.line ?? 0) : 0;
  const progress = new ShardProgress();
  let writing: Promise<void> = Promise.resolve();
  let written = progress.ackedTotal;
  // One write at a time; acks that arrive meanwhile fold into one more write of the newest position
  // (queueing a write per ack would leave a tail of writes behind the host, past its store's close).
  let saving = false;
  let again = false;
  const save = (): void => {
    if (!o.resume || !progress.position) return;
    if (saving) {
      again = true;
      return;
    }
    saving = true;
    writing = (async () => {
      do {
        again = false;
        const pos = progress.position;
        const total = progress.ackedTotal;
        if (!pos) break;
        try {
          await ctx.store.put(key, { line: Number(pos.checkpoint) });
          written = total;
        } catch (err) {
          ctx.logger.warn('file source could not save its position', { path, error: describeError(err) });
        }
      } while (again);
      saving = false;
    })();
  };
  // Deliveries yielded and not yet settled: at the end, the last position is saved once they are.
  let unsettled = 0;
  let onSettle: (() => void) | undefined;
  const settledOne = (): void => {
    unsettled--;
    onSettle?.();
  };
  const stream = await openText(path);
  const lines =
    o.format === 'cloudwatch-events'
      ? await eventLines(stream)
      : createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  let batch: Delivery[] = [];
  const deliver = (line: number, payload: RecordPayload, origin: Origin): void => {
    const entry = progress.add(String(line), 0);
    let settled = false;
    batch.push({
      id: `${o.name}:${path}:${line}`,
      payload,
      origin,
      ack: () => {
        if (settled) return;
        settled = true;
        counts.acked++;
        progress.ack(entry);
        settledOne();
        if (progress.ackedTotal - written >= o.checkpointEveryLines) save();
      },
      nack: () => {
        if (settled) return;
        settled = true;
        settledOne();
      },
    });
    unsettled++;
  };
  try {
    for await (const text of lines) {
      lineNo++;
      if (lineNo <= start || text.trim() === '') continue;
      counts.lines++;
      const origin: Origin = { source: 'file', file: path, line: lineNo };
      if (o.format === 'lines') deliver(lineNo, { type: 'bytes', data: enc.encode(text) }, origin);
      else if (o.format === 'cloudwatch-export') {
        const signal = exportLine(text, path, o, origin);
        deliver(
          lineNo,
          signal ? { type: 'signals', signals: [signal] } : { type: 'bytes', data: enc.encode(text) },
          origin,
        );
      } else {
        const signals = eventsJson(text, o, origin);
        deliver(
          lineNo,
          signals.length > 0 ? { type: 'signals', signals } : { type: 'bytes', data: enc.encode(text) },
          origin,
        );
      }
      if (batch.length >= o.batchSize) {
        const out = batch;
        batch = [];
        yield out;
        if (done()) return;
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    if (lines instanceof Interface) lines.close();
    stream.destroy();
    if (o.resume) {
      // The host settles the last batches after this generator ends (a pipeline acks once their
      // incident changes are committed): wait for that, while settlements keep coming, so the final
      // position is written before the host stops and closes its store.
      await waitForSettlements(
        () => unsettled,
        (listener) => {
          onSettle = listener;
        },
        ctx.signal,
      );
      save();
      await writing;
    }
  }
}

/** Resolves when nothing is unsettled, the signal aborts, or no settlement came for a second. */
function waitForSettlements(
  unsettled: () => number,
  listen: (listener: (() => void) | undefined) => void,
  signal: AbortSignal,
  idleMs = 1_000,
): Promise<void> {
  if (unsettled() <= 0 || signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let timer: ReturnType<typeof setTimeout>;
    const done = (): void => {
      clearTimeout(timer);
      listen(undefined);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(done, idleMs);
    };
    listen(() => (unsettled() <= 0 ? done() : arm()));
    signal.addEventListener('abort', done, { once: true });
    arm();
  });
}

/**
 * The events of an `aws logs filter-log-events` document (pretty-printed over many lines), one JSON
 * event per "line"; a file that is not one such document is read line by line instead.
 */
async function eventLines(stream: NodeJS.ReadableStream): Promise<AsyncIterable<string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return lineIterable(text.split('\n'));
  }
  const events = (doc as { events?: unknown }).events;
  return lineIterable(Array.isArray(events) ? events.map((e) => JSON.stringify(e)) : [JSON.stringify(doc)]);
}

async function* lineIterable(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines;
}

async function openText(path: string): Promise<NodeJS.ReadableStream & { destroy(): void }> {
  const fh = await open(path, 'r');
  const head = Buffer.alloc(2);
  await fh.read(head, 0, 2, 0);
  await fh.close();
  const raw = createReadStream(path);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    raw.on('error', (err) => gunzip.destroy(err));
    return raw.pipe(gunzip);
  }
  return raw;
}

const LEADING_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})) (.*)$/s;

/** One line of a CloudWatch Logs export: `<ISO time> <message>`; `undefined` when it is not one (left to decoders). */
function exportLine(text: string, path: string, o: Resolved, origin: Origin): LogSignal | undefined {
  const m = LEADING_TIME.exec(text);
  const t = m ? parseAwsTime(m[1]!) : undefined;
  if (!m || t === undefined) return undefined;
  // Exports are laid out as <prefix>/<task id>/<log stream>/<n>.gz.
  return withLevel({
    type: 'log',
    timestamp: t,
    message: m[2]!,
    logStream: basename(dirname(path)),
    ...(o.logGroup ? { logGroup: o.logGroup } : {}),
    ...(o.service ? { service: o.service } : {}),
    origin,
  });
}

/** Log events from the JSON `aws logs filter-log-events` prints (whole document on one line, or one event per line). */
function eventsJson(text: string, o: Resolved, origin: Origin): LogSignal[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  const events = Array.isArray((value as { events?: unknown }).events)
    ? (value as { events: unknown[] }).events
    : [value];
  const out: LogSignal[] = [];
  for (const e of events) {
    const ev = e as { timestamp?: unknown; message?: unknown; logStreamName?: unknown; eventId?: unknown };
    if (typeof ev.timestamp !== 'number' || typeof ev.message !== 'string') continue;
    out.push(
      withLevel({
        type: 'log',
        timestamp: ev.timestamp,
        message: ev.message,
        ...(typeof ev.logStreamName === 'string' ? { logStream: ev.logStreamName } : {}),
        ...(typeof ev.eventId === 'string' ? { eventId: ev.eventId } : {}),
        ...(o.logGroup ? { logGroup: o.logGroup } : {}),
        ...(o.service ? { service: o.service } : {}),
        origin,
      }),
    );
  }
  return out;
}

function withLevel(signal: LogSignal): LogSignal {
  const found = detectLogLevel(signal.message);
  if (found.level) signal.level = found.level;
  if (found.httpStatus !== undefined) signal.attributes = { httpStatus: found.httpStatus };
  return signal;
}
