import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A kinesalite server in this process, and the client configuration that reaches it. */
export interface InProcessKinesis {
  readonly endpoint: string;
  /** For `clientConfig` of the Kinesis source and producer (any credentials do). */
  readonly clientConfig: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /** Creates a stream and resolves once it is ACTIVE. */
  createStream(name: string, shards: number): Promise<void>;
  close(): Promise<void>;
}

type KinesaliteFactory = (options: {
  createStreamMs?: number;
  deleteStreamMs?: number;
  updateStreamMs?: number;
  shardLimit?: number;
}) => Server;

/**
 * Starts kinesalite (in memory) on a free local port. kinesalite is an optional peer dependency of
 * `@aiops/pipeline`, loaded only here: a missing one gets an error saying how to install it.
 */
export async function startInProcessKinesis(): Promise<InProcessKinesis> {
  // A specifier in a variable: bundlers leave it alone, and TypeScript wants no types for it.
  const name = 'kinesalite';
  let factory: KinesaliteFactory;
  try {
    const mod = (await import(name)) as { default?: KinesaliteFactory } & KinesaliteFactory;
    factory = typeof mod.default === 'function' ? mod.default : mod;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (
      code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (package|module)/.test(String(err))
    ) {
      throw new Error(
        'the demo runs Kinesis in-process with kinesalite, which is not installed: run `npm install --save-dev kinesalite@^3.3.3` (or pnpm add -D kinesalite) next to @aiops/pipeline',
        { cause: err },
      );
    }
    throw err;
  }
  const server = factory({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 10 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // kinesalite checks that requests look signed, not their signatures: the stream is created with a
  // plain request, so that @aiops/pipeline needs no AWS SDK of its own for the demo.
  const call = async (operation: string, body: unknown): Promise<Record<string, unknown>> => {
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `Kinesis_20131202.${operation}`,
        'x-amz-date': amzDate,
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDLOCALDEMO/${amzDate.slice(0, 8)}/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`kinesalite ${operation} answered ${res.status}: ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  return {
    endpoint,
    async createStream(stream, shards) {
      await call('CreateStream', { StreamName: stream, ShardCount: shards });
      for (let i = 0; i < 200; i++) {
        const d = await call('DescribeStreamSummary', { StreamName: stream });
        const summary = d.StreamDescriptionSummary as { StreamStatus?: string } | undefined;
        if (summary?.StreamStatus === 'ACTIVE') return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`the kinesalite stream ${stream} did not become ACTIVE`);
    },
    clientConfig: {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCALDEMO', secretAccessKey: 'local-demo' },
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
