import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** dynalite ships no types: the factory is all we use. */
const dynalite = createRequire(import.meta.url)('dynalite') as (options: Record<string, number>) => Server;

/** An in-process DynamoDB (dynalite, in memory), with a hook to fail chosen requests. */
export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Answers a 500 to every request for which `when(operation, body)` is true, until cleared. */
  failWhen(when: ((operation: string, body: string) => boolean) | undefined): void;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const real = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  server.removeAllListeners('request');
  let when: ((operation: string, body: string) => boolean) | undefined;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    if (!when) return real(req, res);
    // Read the body to decide, then replay it to dynalite.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (when?.(operation, body)) {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' }),
        );
        return;
      }
      const replay = Object.assign(Readable.from([Buffer.concat(chunks)]), {
        headers: req.headers,
        method: req.method,
        url: req.url,
        socket: req.socket,
      });
      real(replay as unknown as IncomingMessage, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    endpoint,
    client,
    failWhen: (w) => {
      when = w;
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
