import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type DeadLetterRecord,
  DeadLetterRecordSchema,
  type DeadLetterSink,
  type DeadLetterStage,
  type Delivery,
  type RecordPayload,
  type Signal,
  type Source,
} from '@aiops/core';
import { buildPipeline } from '../config/build.js';
import type { LoadedConfig } from '../config/load.js';
import { NdjsonDeadLetterSink } from '../dead-letter.js';

/** Stages of the stream path: their dead letters are records that can go through the pipeline again. */
export const REPLAYABLE_STAGES: readonly DeadLetterStage[] = ['decode', 'validate', 'detect'];

/** One line of a dead-letter file, kept verbatim so a rewrite loses nothing it does not mean to. */
interface Line {
  readonly raw: string;
  readonly record: DeadLetterRecord | undefined;
}

/** What a dead-letter replay did. */
export interface DeadLetterReplayReport {
  readonly file: string;
  /** Records sent through the pipeline again. */
  readonly replayed: number;
  /** Of those, processed without a new dead letter. */
  readonly processed: number;
  /** Of those, failed again: written to `out` with their new reasons. */
  readonly failedAgain: number;
  /** Records left alone: no payload kept, a slow-path stage, or another `--stage`. */
  readonly skipped: number;
  readonly skippedReasons: Readonly<Record<string, number>>;
  /** Lines of the file that are not dead-letter records (kept as they are). */
  readonly unreadable: number;
  /** The new sink, when anything failed again. */
  readonly out: string;
  /** Whether the original file was rewritten without the replayed records. */
  readonly removed: boolean;
  /** New reasons by original record id. */
  readonly reasons: ReadonlyArray<{ readonly id: string; readonly stage: string; readonly reason: string }>;
}

async function readLines(file: string): Promise<{ lines: Line[]; bytes: number }> {
  const text = await readFile(file, 'utf8');
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let record: DeadLetterRecord | undefined;
    try {
      const res = DeadLetterRecordSchema.safeParse(JSON.parse(raw));
      if (res.success) record = res.data;
    } catch {
      // kept verbatim below
    }
    lines.push({ raw, record });
  }
  return { lines, bytes: Buffer.byteLength(text, 'utf8') };
}

/** The record a dead letter kept, as the delivery a source would have made. */
export function payloadOf(record: DeadLetterRecord): RecordPayload | undefined {
  const p = record.payload;
  if (!p) return undefined;
  if (p.encoding === 'base64') return { type: 'bytes', data: new Uint8Array(Buffer.from(p.data, 'base64')) };
  if (p.encoding === 'utf8') return { type: 'bytes', data: new TextEncoder().encode(p.data) };
  // JSON payloads are signals that failed validation or a detector.
  const value: unknown = JSON.parse(p.data);
  return { type: 'signals', signals: (Array.isArray(value) ? value : [value]) as Signal[] };
}

function skipReason(record: DeadLetterRecord, stage: DeadLetterStage | undefined): string | undefined {
  if (stage !== undefined && record.stage !== stage) return `stage is not ${stage}`;
  if (!REPLAYABLE_STAGES.includes(record.stage)) return `stage ${record.stage} is not a record of the stream`;
  if (!record.payload) return 'no payload kept';
  return undefined;
}

/**
 * A source that hands the pipeline one dead-lettered record at a time and waits until it is settled,
 * so every new dead letter can be told apart by the record it came from.
 */
function oneAtATime(
  items: readonly DeadLetterRecord[],
  onSettled: (record: DeadLetterRecord, outcome: { nacked?: string }) => void,
  current: { record: DeadLetterRecord | undefined; deliveryId: string | undefined },
): Source {
  let stopped = false;
  return {
    name: 'deadletter-replay',
    async *read() {
      for (const [i, record] of items.entries()) {
        if (stopped) return;
        const payload = payloadOf(record);
        if (!payload) continue;
        let settle!: () => void;
        const settled = new Promise<void>((resolve) => {
          settle = resolve;
        });
        let done = false;
        const id = `replay-${i}-${record.id}`;
        current.record = record;
        current.deliveryId = id;
        const delivery: Delivery = {
          id,
          payload,
          origin: record.origin ?? { source: 'deadletter' },
          ack() {
            if (done) return;
            done = true;
            onSettled(record, {});
            settle();
          },
          nack(reason) {
            if (done) return;
            done = true;
            onSettled(record, { nacked: reason instanceof Error ? reason.message : String(reason ?? 'nacked') });
            settle();
          },
        };
        yield delivery;
        await settled;
      }
      current.record = undefined;
      current.deliveryId = undefined;
    },
    stop() {
      stopped = true;
    },
  };
}

/**
 * Re-submits the dead letters of `file` that kept their record through the pipeline of `loaded`,
 * one at a time. A record processed cleanly is done; one that fails again is written to `out` with
 * its new reason (and its original id, origin and payload). Nothing is removed from `file` unless
 * `removeReplayed`, and then by an atomic rewrite that keeps every other line as it was (including
 * lines appended meanwhile).
 */
export async function replayDeadLetters(
  loaded: LoadedConfig,
  options: {
    readonly file: string;
    readonly out?: string;
    readonly stage?: DeadLetterStage;
    readonly removeReplayed?: boolean;
    readonly dryRun?: boolean;
    readonly write?: (text: string) => unknown;
  },
): Promise<DeadLetterReplayReport> {
  const { file } = options;
  const { lines, bytes } = await readLines(file);
  const skippedReasons: Record<string, number> = {};
  const replay: DeadLetterRecord[] = [];
  const replayedLines = new Set<Line>();
  for (const line of lines) {
    if (!line.record) continue;
    const why = skipReason(line.record, options.stage);
    if (why) {
      skippedReasons[why] = (skippedReasons[why] ?? 0) + 1;
      continue;
    }
    replay.push(line.record);
    replayedLines.add(line);
  }
  const out = options.out ?? defaultOut(file);
  const sink = new NdjsonDeadLetterSink({ file: out });
  const reasons: Array<{ id: string; stage: string; reason: string }> = [];
  const failed = new Set<string>();
  const current: { record: DeadLetterRecord | undefined; deliveryId: string | undefined } = {
    record: undefined,
    deliveryId: undefined,
  };
  const writes: Promise<void>[] = [];
  const keep = (original: DeadLetterRecord | undefined, fresh: DeadLetterRecord): Promise<void> => {
    const record: DeadLetterRecord = original
      ? {
          ...fresh,
          id: original.id,
          ...(original.origin ? { origin: original.origin } : {}),
          payload: fresh.payload ?? original.payload,
        }
      : fresh;
    if (original) {
      failed.add(original.id);
      reasons.push({ id: original.id, stage: fresh.stage, reason: fresh.reason });
    }
    const w = sink.write(record);
    writes.push(w);
    return w;
  };
  // The pipeline acknowledges a delivery only after its dead letter is written: writing through to
  // the new sink here is what makes "failed again" durable before the record counts as settled.
  const capture: DeadLetterSink = {
    write(record) {
      const id = current.deliveryId;
      const mine = id !== undefined && record.id.startsWith(`dl-${id}-`);
      return keep(mine ? current.record : undefined, record);
    },
  };
  let processed = 0;
  const source = oneAtATime(
    replay,
    (record, outcome) => {
      if (outcome.nacked !== undefined) {
        void keep(record, {
          ...record,
          at: Date.now(),
          reason: `not processed on replay: ${outcome.nacked}`,
        });
      } else if (!failed.has(record.id)) {
        processed++;
      }
    },
    current,
  );
  const built = await buildPipeline(loaded, {
    sources: [source],
    deadLetter: capture,
    ...(options.dryRun ? { dryRun: true, memoryStore: true } : {}),
    ...(options.write ? { console: { write: options.write } } : {}),
  });
  try {
    await built.start();
    await built.pipeline.drained();
  } finally {
    await built.stop(30_000);
  }
  const results = await Promise.allSettled(writes);
  await sink.close();
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) {
    throw new Error(
      `could not write the records that failed again to ${out} (${String((failure as PromiseRejectedResult).reason)}); ${file} was left as it was`,
    );
  }
  const failedAgain = failed.size;
  let removed = false;
  if (options.removeReplayed && replay.length > 0) {
    await rewriteWithout(file, lines, replayedLines, bytes);
    removed = true;
  }
  const skipped = Object.values(skippedReasons).reduce((a, b) => a + b, 0);
  return {
    file,
    replayed: replay.length,
    processed,
    failedAgain,
    skipped,
    skippedReasons,
    unreadable: lines.filter((l) => !l.record).length,
    out,
    removed,
    reasons,
  };
}

function defaultOut(file: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(dirname(file), `${basename(file).replace(/\.ndjson$/, '')}.replay-${stamp}.ndjson`);
}

/**
 * Writes `file` again without the replayed lines: to a temporary file beside it, fsynced, then
 * renamed over it (atomic on POSIX), then the directory fsynced. Bytes appended to `file` after it
 * was read are carried over.
 */
async function rewriteWithout(
  file: string,
  lines: readonly Line[],
  drop: ReadonlySet<Line>,
  readBytes: number,
): Promise<void> {
  const kept = lines.filter((l) => !drop.has(l)).map((l) => `${l.raw}\n`);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(kept.join(''), 'utf8');
    const now = await stat(file);
    if (now.size > readBytes) {
      // A pipeline appended while we replayed: keep what it wrote.
      const tail = Buffer.alloc(now.size - readBytes);
      const src = await open(file, 'r');
      try {
        await src.read(tail, 0, tail.length, readBytes);
      } finally {
        await src.close();
      }
      await fh.write(tail);
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(tmp, file);
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
