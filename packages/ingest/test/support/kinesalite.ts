import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';

/** A fault the wrapped kinesalite answers with instead of the real operation. */
export type Fault =
  | 'throttle'
  | 'expired'
  | 'internal'
  | 'reset'
  | ((req: IncomingMessage, res: ServerResponse) => void);

/** An in-process kinesalite with fault injection and call counts. */
export interface Kinesalite {
  readonly endpoint: string;
  readonly client: KinesisClient;
  /** Calls seen per operation (faulted ones included). */
  readonly calls: Map<string, number>;
  /** Answers the next `times` calls of `operation` with `fault`. */
  inject(operation: string, fault: Fault, times?: number): void;
  /** Makes a new KinesisClient on this endpoint (maxAttempts 1: our code does the retrying). */
  newClient(): KinesisClient;
  createStream(name: string, shards: number): Promise<void>;
  /** A new stream with a fresh name and `shards` shards, holding `records` (put in this order). */
  stream(shards: number, records?: ReadonlyArray<{ data: string | Uint8Array; partitionKey: string }>): Promise<string>;
  /** Puts records (strings or bytes) with the given partition keys; returns their shard and sequence. */
  put(
    stream: string,
    records: ReadonlyArray<{ data: string | Uint8Array; partitionKey: string }>,
  ): Promise<PutRecordsResultEntry[]>;
  shardIds(stream: string): Promise<string[]>;
  close(): Promise<void>;
}

const FAULT_BODIES: Record<'throttle' | 'expired' | 'internal', [number, string, string]> = {
  throttle: [400, 'ProvisionedThroughputExceededException', 'Rate exceeded for Shard - injected'],
  expired: [400, 'ExpiredIteratorException', 'Iterator expired - injected'],
  internal: [500, 'InternalFailure', 'injected internal failure'],
};

let streamSeq = 0;
/** A fresh stream name per call, so tests never share a stream. */
export function uniqueStream(prefix = 's'): string {
  return `${prefix}-${process.pid}-${++streamSeq}`;
}

export async function startKinesalite(): Promise<Kinesalite> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  const real = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  server.removeAllListeners('request');
  const faults = new Map<string, Fault[]>();
  const calls = new Map<string, number>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    calls.set(op, (calls.get(op) ?? 0) + 1);
    const fault = faults.get(op)?.shift();
    if (!fault) return real(req, res);
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (typeof fault === 'function') return fault(req, res);
    const [status, type, message] = FAULT_BODIES[fault];
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: type, message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const newClient = () =>
    new KinesisClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    });
  const client = newClient();
  const enc = new TextEncoder();
  const createStream = async (name: string, shards: number): Promise<void> => {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    for (let i = 0; i < 100; i++) {
      const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`stream ${name} did not become ACTIVE`);
  };
  const put: Kinesalite['put'] = async (stream, records) => {
    const out: PutRecordsResultEntry[] = [];
    for (let i = 0; i < records.length; i += 500) {
      const chunk = records.slice(i, i + 500);
      const res = await client.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: chunk.map((r) => ({
            Data: typeof r.data === 'string' ? enc.encode(r.data) : r.data,
            PartitionKey: r.partitionKey,
          })),
        }),
      );
      if (res.FailedRecordCount) throw new Error(`put failed for ${res.FailedRecordCount} records`);
      out.push(...(res.Records ?? []));
    }
    return out;
  };
  return {
    endpoint,
    client,
    calls,
    newClient,
    inject(operation, fault, times = 1) {
      const list = faults.get(operation) ?? [];
      for (let i = 0; i < times; i++) list.push(fault);
      faults.set(operation, list);
    },
    createStream,
    async stream(shards, records = []) {
      const name = uniqueStream();
      await createStream(name, shards);
      if (records.length > 0) await put(name, records);
      return name;
    },
    put,
    async shardIds(stream) {
      const res = await client.send(new ListShardsCommand({ StreamName: stream }));
      return (res.Shards ?? []).map((s) => s.ShardId ?? '');
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * `n` records `${prefix}0` … `${prefix}${n - 1}`, each with the partition key `key(i)` (by default
 * one key for all, so they land on one shard in order).
 */
export function numbered(
  n: number,
  prefix = 'r',
  key: (i: number) => string = () => 'p',
): Array<{ data: string; partitionKey: string }> {
  return Array.from({ length: n }, (_, i) => ({ data: `${prefix}${i}`, partitionKey: key(i) }));
}

/** Partition keys that land on each shard of an n-shard stream (hash ranges split evenly). */
export function keyForShard(index: number, shards: number): string {
  // MD5 of the key decides the shard; search a key whose hash falls in the index-th range.
  const max = 2n ** 128n;
  const lo = (max / BigInt(shards)) * BigInt(index);
  const hi = index === shards - 1 ? max : (max / BigInt(shards)) * BigInt(index + 1);
  for (let i = 0; ; i++) {
    const key = `k${index}-${i}`;
    const h = BigInt(`0x${createHash('md5').update(key).digest('hex')}`);
    if (h >= lo && h < hi) return key;
  }
}
