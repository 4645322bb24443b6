import { open } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { KinesisProducer, PutOutcome } from '@aiops/ingest';

/** One line of the service's log, as the shipper read it. */
export interface ShippedLine {
  /** The line's own `timestamp` when it is a JSON log line with one, else the time it was read. */
  readonly timestamp: number;
  readonly message: string;
  /** The HTTP status of a request line. */
  readonly status?: number;
  readonly path?: string;
  readonly pid?: number;
}

/** What the shipper reports about each record it put on the stream. */
export interface ShippedBatch {
  readonly lines: readonly ShippedLine[];
  readonly outcome: PutOutcome;
  /** Wall-clock time the producer reported the record written (or failed). */
  readonly settledAt: number;
}

/** Options of {@link startLogShipper}. */
export interface LogShipperOptions {
  /** The file to follow from its start (the service appends to it). */
  readonly file: string;
  readonly producer: KinesisProducer;
  /** CloudWatch Logs names of the destination: the log group, and the owner account. */
  readonly logGroup: string;
  readonly owner?: string;
  /** How often the file is read and a batch sent. Defaults to 100 ms. */
  readonly intervalMs?: number;
  /** Called for every line read. */
  readonly onLine?: (line: ShippedLine) => void;
  /** Called once each record is written or has failed. */
  readonly onBatch?: (batch: ShippedBatch) => void;
}

/** A running log shipper. */
export interface LogShipper {
  readonly stats: { lines: number; records: number; failedRecords: number; bytes: number };
  /** Reads what is left of the file, ships it, and stops. */
  stop(): Promise<void>;
}

// The most log events CloudWatch Logs puts in one subscription record is far higher; a record of
// at most this many keeps each one small (Kinesis takes 1 MiB a record).
const MAX_EVENTS_PER_RECORD = 500;

/**
 * Follows a log file as the CloudWatch agent and a subscription filter would deliver it: every
 * `intervalMs`, the new lines are grouped by log stream (one per service process, `<group>/<pid>`)
 * into CloudWatch Logs subscription payloads (`DATA_MESSAGE`, gzip) and put on the Kinesis stream
 * through the producer, partitioned by log stream.
 */
export async function startLogShipper(options: LogShipperOptions): Promise<LogShipper> {
  const intervalMs = options.intervalMs ?? 100;
  const owner = options.owner ?? '000000000000';
  const stats = { lines: 0, records: 0, failedRecords: 0, bytes: 0 };
  const handle = await open(options.file, 'r');
  const buffer = Buffer.alloc(256 * 1024);
  let position = 0;
  let partial = '';
  let eventSeq = 0;
  const puts = new Set<Promise<void>>();

  const readNew = async (): Promise<ShippedLine[]> => {
    const lines: ShippedLine[] = [];
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const text = partial + buffer.toString('utf8', 0, bytesRead);
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const raw of parts) {
        if (raw.trim() === '') continue;
        const line = parseLine(raw);
        lines.push(line);
        options.onLine?.(line);
      }
    }
    stats.lines += lines.length;
    return lines;
  };

  const ship = (lines: readonly ShippedLine[]): void => {
    const byStream = new Map<string, ShippedLine[]>();
    for (const line of lines) {
      const stream = `${options.logGroup.split('/').pop()}/${line.pid ?? 'unknown'}`;
      const list = byStream.get(stream);
      if (list) list.push(line);
      else byStream.set(stream, [line]);
    }
    for (const [logStream, all] of byStream) {
      for (let i = 0; i < all.length; i += MAX_EVENTS_PER_RECORD) {
        const chunk = all.slice(i, i + MAX_EVENTS_PER_RECORD);
        const payload = {
          messageType: 'DATA_MESSAGE',
          owner,
          logGroup: options.logGroup,
          logStream,
          subscriptionFilters: ['aiops-demo-to-kinesis'],
          logEvents: chunk.map((l) => ({
            id: eventId(l.timestamp, eventSeq++),
            timestamp: l.timestamp,
            message: l.message,
          })),
        };
        const data = gzipSync(JSON.stringify(payload));
        stats.records++;
        stats.bytes += data.length;
        const put = options.producer.put({ partitionKey: logStream, data }).then(
          (outcome) => {
            if (outcome.status === 'failed') stats.failedRecords++;
            options.onBatch?.({ lines: chunk, outcome, settledAt: Date.now() });
          },
          (err: unknown) => {
            stats.failedRecords++;
            const outcome: PutOutcome = {
              status: 'failed',
              errorCode: 'PutFailed',
              errorMessage: err instanceof Error ? err.message : String(err),
              attempts: 0,
            };
            options.onBatch?.({ lines: chunk, outcome, settledAt: Date.now() });
          },
        );
        puts.add(put);
        void put.finally(() => puts.delete(put));
      }
    }
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let cycle: Promise<void> = Promise.resolve();
  const tick = (): void => {
    cycle = readNew()
      .then(ship)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();

  return {
    stats,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await cycle.catch(() => undefined);
      ship(await readNew());
      if (partial.trim() !== '') ship([parseLine(partial)]);
      partial = '';
      await options.producer.flush();
      await Promise.allSettled([...puts]);
      await handle.close();
    },
  };
}

function parseLine(raw: string): ShippedLine {
  try {
    const o = JSON.parse(raw) as Record<string, unknown>;
    const ts = typeof o.timestamp === 'string' ? Date.parse(o.timestamp) : Number.NaN;
    return {
      timestamp: Number.isFinite(ts) ? ts : Date.now(),
      message: raw,
      ...(typeof o.status === 'number' ? { status: o.status } : {}),
      ...(typeof o.path === 'string' ? { path: o.path } : {}),
      ...(typeof o.pid === 'number' ? { pid: o.pid } : {}),
    };
  } catch {
    // Not JSON (a stack trace, a runtime warning): shipped as it is, stamped when read.
    return { timestamp: Date.now(), message: raw };
  }
}

/** A CloudWatch-style event id: a long decimal string, increasing with time. */
function eventId(timestamp: number, seq: number): string {
  return `${String(timestamp).padStart(15, '0')}${String(seq).padStart(12, '0')}`;
}
