/**
 * `pnpm bench:ingest`: prints one JSON object, everything measured in this one process (one core:
 * kinesalite runs in-process too).
 *
 * - `floorEventsPerSec`: gunzip + JSON.parse of CloudWatch Logs subscription payloads, nothing else
 *   (per second of this process's CPU time, as `decodeEventsPerSec`: see `cpuMs`).
 * - `decodeEventsPerSec`: the CloudWatch Logs decoder on the same payloads, to `log` signals with
 *   levels detected, each passed through the pipeline's quick signal check. `decodeRatio` = decode /
 *   floor: the median of the rounds' ratios (each round times both sides over the same payloads,
 *   under the same load); `decodeRatioOfMedians` divides the two medians above instead.
 * - `rawGetRecordsPerSec`: a bare GetShardIterator + GetRecords loop draining a kinesalite stream.
 * - `consumerRecordsPerSec`: `createKinesisSource` draining the same stream, every delivery acked
 *   and checkpointed. `consumerRatio` = consumer / raw.
 *
 * The machine may be shared, so each side is measured the same way under the same load: floor and
 * decode run over the same payloads, interleaved chunk by chunk in alternating order, after a
 * warm-up round that is not counted; medians count, and every round's ratio is printed
 * (`decodeRatioRounds`) to show the spread. The load average is printed at the start, between the
 * two parts and at the end.
 *
 *   pnpm bench:ingest [--payloads 2000] [--events 50] [--records 20000] [--rounds 5] [--decode-rounds 15]
 *
 * Lives in the package (its dependencies resolve from here); `scripts/bench-ingest.ts` runs it.
 */
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { MemoryStateStore, quickCheckSignal, silentLogger, systemClock } from '@aiops/core';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';
import { createCloudWatchLogsDecoder, createKinesisSource, createMemoryCheckpointStore } from '../../src/index.js';

const { values } = parseArgs({
  // `pnpm bench:ingest -- --rounds 3` hands over a leading `--`, which would end the options.
  args: process.argv[2] === '--' ? process.argv.slice(3) : process.argv.slice(2),
  options: {
    payloads: { type: 'string', default: '2000' },
    events: { type: 'string', default: '50' },
    records: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    'decode-rounds': { type: 'string', default: '15' },
  },
});
const PAYLOADS = Number(values.payloads);
const EVENTS = Number(values.events);
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);
const DECODE_ROUNDS = Number(values['decode-rounds']);
const T0 = Date.parse('2026-11-24T10:00:00Z');

/** A realistic mix of log lines: plain text with levels, JSON logs, access logs, stack traces. */
function message(i: number): string {
  switch (i % 6) {
    case 0:
      return `2026-11-24T10:00:${String(i % 60).padStart(2, '0')}.123Z INFO request handled path=/api/cart/${i % 977} user=u${i % 1013} duration_ms=${(i * 7) % 300}`;
    case 1:
      return JSON.stringify({
        level: i % 50 === 1 ? 'error' : 'info',
        time: T0 + i,
        msg: 'order placed',
        orderId: `o-${i}`,
        amount: (i % 500) + 0.99,
      });
    case 2:
      return `10.0.${i % 255}.${(i * 3) % 255} - - [24/Nov/2026:10:00:00 +0000] "GET /api/items/${i % 5000} HTTP/1.1" ${i % 40 === 2 ? 503 : 200} ${(i * 13) % 9000} "-" "Mozilla/5.0"`;
    case 3:
      return `[WARN] connection pool at ${(i % 100) + 1}% capacity (db=orders, waiting=${i % 17})`;
    case 4:
      return `ERROR PaymentService failed to charge card: gateway timeout after 3000ms (attempt ${i % 3})\n    at charge (/app/payments.js:42:11)`;
    default:
      return `REPORT RequestId: ${i.toString(16).padStart(8, '0')}-4f3a Duration: ${(i % 900) + 0.5} ms Billed Duration: ${(i % 900) + 1} ms Memory Size: 512 MB`;
  }
}

function payloads(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 0; p < PAYLOADS; p++) {
    const logEvents = Array.from({ length: EVENTS }, (_, e) => {
      const i = p * EVENTS + e;
      return { id: String(36_000_000_000_000_000n + BigInt(i)), timestamp: T0 + i, message: message(i) };
    });
    out.push(
      gzipSync(
        JSON.stringify({
          messageType: 'DATA_MESSAGE',
          owner: '123456789012',
          logGroup: `/ecs/service-${p % 20}`,
          logStream: `task/${p % 7}`,
          subscriptionFilters: ['to-kinesis'],
          logEvents,
        }),
      ),
    );
  }
  return out;
}

/**
 * CPU time of this process in ms. Decoding is pure computation on the main thread, and the machine
 * may be shared: CPU time leaves out the time other processes held the core.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1_000;
}

function floor(data: readonly Uint8Array[]): { ms: number; events: number } {
  let events = 0;
  const started = cpuMs();
  for (const d of data) {
    const parsed = JSON.parse(gunzipSync(d).toString('utf8')) as { logEvents: unknown[] };
    events += parsed.logEvents.length;
  }
  return { ms: cpuMs() - started, events };
}

const decoder = createCloudWatchLogsDecoder();
function decode(data: readonly Uint8Array[]): { ms: number; events: number } {
  const origin = { source: 'bench' };
  let events = 0;
  const started = cpuMs();
  for (const d of data) {
    const signals = decoder.decode({ data: d, origin });
    for (const s of signals) if (quickCheckSignal(s) !== undefined) throw new Error('invalid signal');
    events += signals.length;
  }
  return { ms: cpuMs() - started, events };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---------------------------------------------------------------- decode
/** The 1, 5 and 15 minute load averages, rounded. */
const load = () => loadavg().map((l) => Number(l.toFixed(2)));
const loadAtStart = load();

// Floor and decode are interleaved chunk by chunk (in alternating order, turned each round), so
// that background load falls on both alike; each round sums its chunks; the median round counts.
const data = payloads();
const CHUNK = 50;
function round(r: number): { floorMs: number; decodeMs: number; events: number } {
  let f = 0;
  let d = 0;
  let fe = 0;
  let de = 0;
  for (let c = 0; c < data.length; c += CHUNK) {
    const chunk = data.slice(c, c + CHUNK);
    const first = (c / CHUNK + r) % 2 === 0;
    const a = first ? floor(chunk) : decode(chunk);
    const b = first ? decode(chunk) : floor(chunk);
    const [fr, dr] = first ? [a, b] : [b, a];
    f += fr.ms;
    d += dr.ms;
    fe += fr.events;
    de += dr.events;
  }
  if (fe !== de) throw new Error(`floor saw ${fe} events, the decoder ${de}`);
  return { floorMs: f, decodeMs: d, events: fe };
}
round(1); // warm-up: every path compiled and optimised before anything counts
const floorMs: number[] = [];
const decodeMs: number[] = [];
let totalEvents = 0;
for (let r = 0; r < DECODE_ROUNDS; r++) {
  const res = round(r);
  floorMs.push(res.floorMs);
  decodeMs.push(res.decodeMs);
  totalEvents = res.events;
}
const floorEventsPerSec = Math.round(totalEvents / (median(floorMs) / 1_000));
const decodeEventsPerSec = Math.round(totalEvents / (median(decodeMs) / 1_000));
const decodeRatioRounds = floorMs.map((f, r) => Number((f / decodeMs[r]!).toFixed(3)));
const decodeRatio = median(decodeRatioRounds);
const loadAfterDecode = load();

// ---------------------------------------------------------------- consume
const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 10 });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const client = new KinesisClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  requestHandler: new NodeHttpHandler(),
  maxAttempts: 1,
});
const stream = 'bench';
await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
while (
  (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary
    ?.StreamStatus !== 'ACTIVE'
) {
  await new Promise((r) => setTimeout(r, 10));
}
for (let i = 0; i < RECORDS; i += 500) {
  await client.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: Array.from({ length: Math.min(500, RECORDS - i) }, (_, j) => ({
        Data: data[(i + j) % data.length],
        PartitionKey: `k${j}`,
      })),
    }),
  );
}
const shardId = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards![0]!.ShardId!;

async function raw(): Promise<number> {
  const started = performance.now();
  let it = (
    await client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    )
  ).ShardIterator;
  let n = 0;
  while (n < RECORDS && it) {
    const res = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
    n += res.Records?.length ?? 0;
    it = res.NextShardIterator;
  }
  if (n !== RECORDS) throw new Error(`raw loop read ${n} of ${RECORDS}`);
  return performance.now() - started;
}

const consumerOptions = { maxRecordsPerCall: 10_000, minPollIntervalMs: 0, checkpointEveryRecords: 1_000 };
async function consumer(): Promise<number> {
  const source = createKinesisSource({
    streamName: stream,
    client,
    initialPosition: 'TRIM_HORIZON',
    checkpoints: createMemoryCheckpointStore(),
    keepProcessAlive: false,
    ...consumerOptions,
  });
  const ctx = {
    logger: silentLogger,
    clock: systemClock,
    store: new MemoryStateStore(),
    signal: new AbortController().signal,
  };
  const started = performance.now();
  let n = 0;
  for await (const batch of source.read(ctx)) {
    for (const d of [batch].flat()) {
      d.ack();
      n++;
    }
    if (n >= RECORDS) break;
  }
  const ms = performance.now() - started;
  await source.stop();
  if (n !== RECORDS) throw new Error(`consumer read ${n} of ${RECORDS}`);
  return ms;
}

await raw();
await consumer();
const rawMs: number[] = [];
const consumerMs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  rawMs.push(await raw());
  consumerMs.push(await consumer());
}
client.destroy();
await new Promise<void>((resolve) => server.close(() => resolve()));
const rawGetRecordsPerSec = Math.round(RECORDS / (median(rawMs) / 1_000));
const consumerRecordsPerSec = Math.round(RECORDS / (median(consumerMs) / 1_000));

console.log(
  JSON.stringify({
    floorEventsPerSec,
    decodeEventsPerSec,
    decodeRatio,
    decodeRatioOfMedians: Number((decodeEventsPerSec / floorEventsPerSec).toFixed(3)),
    decodeRatioRounds,
    rawGetRecordsPerSec,
    consumerRecordsPerSec,
    consumerRatio: Number((consumerRecordsPerSec / rawGetRecordsPerSec).toFixed(3)),
    events: totalEvents,
    payloads: PAYLOADS,
    eventsPerPayload: EVENTS,
    records: RECORDS,
    rounds: ROUNDS,
    decodeRounds: DECODE_ROUNDS,
    consumerOptions,
    decodeTime:
      'process CPU time, floor and decode interleaved in chunks of 50 payloads, after one warm-up round; decodeRatio is the median round ratio',
    consumerTime: 'wall time',
    node: process.version,
    loadavg: { start: loadAtStart, afterDecode: loadAfterDecode, end: load() },
  }),
);
