import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

// The emulators ship no types: their factories are all we use.
const require = createRequire(import.meta.url);
const kinesalite = require('kinesalite') as (options: Record<string, number>) => Server;
const dynalite = require('dynalite') as (options: Record<string, number>) => Server;

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** In-process kinesalite and dynalite, in memory, with SDK clients on them. */
export interface Emulators {
  readonly kinesisEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  createStream(name: string, shards: number): Promise<void>;
  /** Puts records; returns the shard and sequence number of each. */
  put(
    stream: string,
    records: readonly { data: Uint8Array; partitionKey: string }[],
  ): Promise<{ shard: string; sequenceNumber: string }[]>;
  close(): Promise<void>;
}

export async function startEmulators(): Promise<Emulators> {
  const k = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 20 });
  const d = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const [kinesisEndpoint, dynamodbEndpoint] = await Promise.all([listen(k), listen(d)]);
  // Kinesis clients default to HTTP/2, which kinesalite does not speak.
  const kinesis = new KinesisClient({
    endpoint: kinesisEndpoint,
    region: 'us-east-1',
    credentials,
    requestHandler: new NodeHttpHandler(),
  });
  const dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint, region: 'us-east-1', credentials });
  return {
    kinesisEndpoint,
    dynamodbEndpoint,
    kinesis,
    dynamodb,
    async createStream(name, shards) {
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      for (let i = 0; i < 100; i++) {
        const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`stream ${name} did not become ACTIVE`);
    },
    async put(stream, records) {
      const out: { shard: string; sequenceNumber: string }[] = [];
      for (let i = 0; i < records.length; i += 500) {
        const chunk = records.slice(i, i + 500);
        const res = await kinesis.send(
          new PutRecordsCommand({
            StreamName: stream,
            Records: chunk.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
          }),
        );
        if (res.FailedRecordCount) throw new Error(`${res.FailedRecordCount} records were not put`);
        for (const r of res.Records ?? []) out.push({ shard: r.ShardId ?? '', sequenceNumber: r.SequenceNumber ?? '' });
      }
      return out;
    },
    async close() {
      kinesis.destroy();
      dynamodb.destroy();
      await Promise.all([k, d].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
