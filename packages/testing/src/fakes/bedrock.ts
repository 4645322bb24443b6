import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The JSON body of a Converse request, as the server received it. */
export interface ConverseBody {
  system?: { text?: string }[];
  messages: { role: 'user' | 'assistant'; content: Record<string, unknown>[] }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number };
  toolConfig?: {
    tools: { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }[];
    toolChoice?: { auto?: object; any?: object; tool?: { name: string } };
  };
}

/** One request the server saw. */
export interface SeenRequest {
  readonly modelId: string;
  readonly body: ConverseBody;
  readonly raw: string;
  readonly headers: IncomingMessage['headers'];
}

/** How the server answers one request. */
export type Reply =
  | { kind: 'tool'; name?: string; input: unknown; text?: string; stopReason?: string; id?: string }
  | { kind: 'tools'; calls: { name: string; input: unknown; id?: string }[]; stopReason?: string }
  | { kind: 'text'; text: string; stopReason?: string }
  | { kind: 'error'; status: number; type: string; message?: string; via?: 'header' | 'body' }
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number; then: Reply };

export type Handler = (req: SeenRequest, n: number) => Reply | Promise<Reply>;

/** A local server speaking the Bedrock Runtime Converse wire format on 127.0.0.1. */
export interface LocalBedrock {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** A real SDK client aimed at this server over HTTP/1.1, SDK retries off. */
  client(maxAttempts?: number): BedrockRuntimeClient;
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

const USAGE = { inputTokens: 812, outputTokens: 96, totalTokens: 908 };

/** Starts the server; `handler` decides each answer. */
export async function startLocalBedrock(handler: Handler): Promise<LocalBedrock> {
  let current = handler;
  const requests: SeenRequest[] = [];
  const pending = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const m = /^\/model\/([^/]+)\/converse$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        send(
          res,
          404,
          { message: `no route ${req.method} ${req.url}` },
          { 'x-amzn-errortype': 'UnknownOperationException' },
        );
        return;
      }
      const seen: SeenRequest = {
        modelId: decodeURIComponent(m[1]!),
        body: JSON.parse(raw),
        raw,
        headers: req.headers,
      };
      requests.push(seen);
      Promise.resolve(current(seen, requests.length))
        .then((reply) => answer(res, reply, pending))
        .catch((err: unknown) =>
          send(res, 500, { message: String(err) }, { 'x-amzn-errortype': 'InternalServerException' }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const clients: BedrockRuntimeClient[] = [];
  return {
    url,
    requests,
    client(maxAttempts = 1) {
      const c = new BedrockRuntimeClient({
        region: 'us-east-1',
        endpoint: url,
        credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
        requestHandler: new NodeHttpHandler(),
        maxAttempts,
      });
      clients.push(c);
      return c;
    },
    setHandler(h) {
      current = h;
    },
    async close() {
      for (const c of clients) c.destroy();
      for (const res of pending) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(res: ServerResponse, reply: Reply, pending: Set<ServerResponse>): void {
  switch (reply.kind) {
    case 'delay':
      setTimeout(() => answer(res, reply.then, pending), reply.ms);
      return;
    case 'hang':
      pending.add(res);
      res.on('close', () => pending.delete(res));
      return;
    case 'raw':
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body);
      return;
    case 'error': {
      const headers: Record<string, string> =
        reply.via === 'body'
          ? {}
          : { 'x-amzn-errortype': `${reply.type}:http://internal.amazon.com/coral/com.amazon.bedrock/` };
      const body: Record<string, unknown> = { message: reply.message ?? reply.type };
      if (reply.via === 'body') body.__type = reply.type;
      send(res, reply.status, body, headers);
      return;
    }
    case 'text':
      send(res, 200, converse([{ text: reply.text }], reply.stopReason ?? 'end_turn'));
      return;
    case 'tool': {
      const content: Record<string, unknown>[] = reply.text ? [{ text: reply.text }] : [];
      content.push({
        toolUse: {
          toolUseId: reply.id ?? 'tooluse_local_1',
          name: reply.name ?? 'report_analysis',
          input: reply.input,
        },
      });
      send(res, 200, converse(content, reply.stopReason ?? 'tool_use'));
      return;
    }
    case 'tools':
      send(
        res,
        200,
        converse(
          reply.calls.map((c, i) => ({
            toolUse: { toolUseId: c.id ?? `tooluse_local_${i + 1}`, name: c.name, input: c.input },
          })),
          reply.stopReason ?? 'tool_use',
        ),
      );
      return;
  }
}

function converse(content: Record<string, unknown>[], stopReason: string) {
  return { output: { message: { role: 'assistant', content } }, stopReason, usage: USAGE, metrics: { latencyMs: 420 } };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': 'local-request', ...headers });
  res.end(JSON.stringify(body));
}

/** The text of the first user turn (the prompt the analyzer built). */
export function promptOf(req: SeenRequest): string {
  const first = req.body.messages[0]?.content ?? [];
  return first.map((b) => (typeof b.text === 'string' ? b.text : '')).join('\n');
}

/** A valid `report_analysis` input. */
export function report(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    summary: 'checkout returns 503 on a third of requests since 10:02',
    probableCause: 'the worker pool ran out of database connections (template:0)',
    confidence: 0.8,
    severity: 'high',
    evidence: ['finding:0', 'template:0'],
    proposedAction: {
      runbookId: 'restart-service',
      parameters: { service: 'checkout' },
      rationale: 'a restart releases the stuck connections',
    },
    ...overrides,
  };
}
