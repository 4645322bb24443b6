import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

/** An in-process dynalite with per-operation call counts and fault injection. */
export interface Dynalite {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly calls: Map<string, number>;
  newClient(): DynamoDBClient;
  /** Answers the next `times` calls of `operation` with a 500 (or runs `fault`). */
  inject(operation: string, times?: number, fault?: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

let tableSeq = 0;
/** A fresh table name per call. */
export function uniqueTable(prefix = 't'): string {
  return `${prefix}-${process.pid}-${++tableSeq}`;
}

export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const real = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  server.removeAllListeners('request');
  const calls = new Map<string, number>();
  const faults = new Map<string, Array<(req: IncomingMessage, res: ServerResponse) => void>>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    calls.set(op, (calls.get(op) ?? 0) + 1);
    const fault = faults.get(op)?.shift();
    if (fault) return fault(req, res);
    real(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const newClient = () =>
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
  const client = newClient();
  return {
    endpoint,
    client,
    calls,
    newClient,
    inject(operation, times = 1, fault) {
      const list = faults.get(operation) ?? [];
      const f =
        fault ??
        ((req: IncomingMessage, res: ServerResponse) => {
          req.resume();
          req.on('end', () => {
            res.writeHead(500, { 'Content-Type': 'application/x-amz-json-1.0' });
            res.end(
              JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' }),
            );
          });
        });
      for (let i = 0; i < times; i++) list.push(f);
      faults.set(operation, list);
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
