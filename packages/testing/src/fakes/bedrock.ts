import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The JSON body of a Bedrock Runtime Converse request, as {@link FakeBedrock} received it (the
 * fields an analyzer sends; others stay in {@link SeenBedrockRequest.raw}).
 *
 * @example
 * ```ts
 * import type { BedrockConverseBody } from '@aiops/testing';
 * // The tool names a request offered the model.
 * const toolsOf = (body: BedrockConverseBody) => body.toolConfig?.tools.map((t) => t.toolSpec.name) ?? [];
 * ```
 */
export interface BedrockConverseBody {
  system?: { text?: string }[];
  messages: { role: 'user' | 'assistant'; content: Record<string, unknown>[] }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number };
  toolConfig?: {
    tools: { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }[];
    toolChoice?: { auto?: object; any?: object; tool?: { name: string } };
  };
}

/**
 * One Converse request {@link FakeBedrock} received: the model id from the path
 * (`POST /model/{modelId}/converse`, decoded), the parsed body, the raw text and the headers (the
 * SigV4 `authorization` among them).
 *
 * @example
 * ```ts
 * import type { SeenBedrockRequest } from '@aiops/testing';
 * // Which model each call went to, and whether a system prompt was sent.
 * const line = (req: SeenBedrockRequest) => `${req.modelId} system=${(req.body.system ?? []).length > 0}`;
 * ```
 */
export interface SeenBedrockRequest {
  readonly modelId: string;
  readonly body: BedrockConverseBody;
  readonly raw: string;
  readonly headers: IncomingMessage['headers'];
}

/**
 * How {@link FakeBedrock} answers one Converse request:
 * - `tool`: one `toolUse` block (`name` defaults to `report_analysis`, optional leading `text`), stop
 *   reason `tool_use`; `tools`: several `toolUse` blocks;
 * - `text`: a plain text answer, stop reason `end_turn` (or `stopReason`, such as `max_tokens`);
 * - `error`: an AWS error, its type in the `x-amzn-errortype` header (default) or in the body's
 *   `__type` (`via: 'body'`), such as 429 `ThrottlingException` or 400 `ValidationException`;
 * - `raw`: any status and body, for malformed answers;
 * - `hang`: never answers (until the client gives up or the fake closes);
 * - `delay`: waits `ms`, then answers with `then`.
 *
 * Successful answers carry fixed usage (812 input, 96 output tokens) and `metrics.latencyMs` 420.
 *
 * @example
 * ```ts
 * import type { FakeBedrockReply } from '@aiops/testing';
 * const throttled: FakeBedrockReply = { kind: 'error', status: 429, type: 'ThrottlingException' };
 * const slow: FakeBedrockReply = { kind: 'delay', ms: 200, then: { kind: 'text', text: 'no idea' } };
 * ```
 */
export type FakeBedrockReply =
  | { kind: 'tool'; name?: string; input: unknown; text?: string; stopReason?: string; id?: string }
  | { kind: 'tools'; calls: { name: string; input: unknown; id?: string }[]; stopReason?: string }
  | { kind: 'text'; text: string; stopReason?: string }
  | { kind: 'error'; status: number; type: string; message?: string; via?: 'header' | 'body' }
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number; then: FakeBedrockReply };

/**
 * Decides {@link FakeBedrock}'s answer to each Converse request; `n` is 1 for the first request the
 * fake received, and so on. A handler that throws gets the request a 500 `InternalServerException`.
 *
 * @example
 * ```ts
 * import type { FakeBedrockHandler } from '@aiops/testing';
 * // Throttled once, then a text answer.
 * const handler: FakeBedrockHandler = (_req, n) =>
 *   n === 1 ? { kind: 'error', status: 429, type: 'ThrottlingException' } : { kind: 'text', text: 'ok' };
 * ```
 */
export type FakeBedrockHandler = (req: SeenBedrockRequest, n: number) => FakeBedrockReply | Promise<FakeBedrockReply>;

/**
 * A local server speaking the Bedrock Runtime Converse wire format (`POST /model/{modelId}/converse`,
 * JSON over HTTP/1.1) on 127.0.0.1. It returns plain connection data rather than an SDK client, so
 * this package does not depend on the AWS SDK: build your client from {@link FakeBedrock.clientConfig}.
 * It does not verify signatures; any credentials work.
 *
 * @example
 * ```ts
 * import { type FakeBedrock, startFakeBedrock } from '@aiops/testing';
 * const bedrock: FakeBedrock = await startFakeBedrock(() => ({ kind: 'text', text: 'all good' }));
 * // With @aws-sdk/client-bedrock-runtime installed in your project:
 * //   const client = new BedrockRuntimeClient({ ...bedrock.clientConfig, maxAttempts: 1 });
 * bedrock.clientConfig.endpoint; // 'http://127.0.0.1:<port>'
 * bedrock.requests.length; // 0 until the code under test calls Converse
 * await bedrock.close();
 * ```
 */
export interface FakeBedrock {
  /** Base URL, such as `http://127.0.0.1:49153` (no trailing slash). */
  readonly url: string;
  /**
   * What an AWS SDK v3 `BedrockRuntimeClient` needs to reach this fake: `endpoint` (= `url`),
   * `region` `us-east-1` and static test credentials. Plain data, to spread into the client's config.
   */
  readonly clientConfig: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /** Every Converse request so far, in arrival order. */
  readonly requests: SeenBedrockRequest[];
  /** Replaces the handler for the requests that follow. */
  setHandler(handler: FakeBedrockHandler): void;
  /** Stops the server, dropping open and hanging connections. */
  close(): Promise<void>;
}

const USAGE = { inputTokens: 812, outputTokens: 96, totalTokens: 908 };

/**
 * Starts a {@link FakeBedrock} on 127.0.0.1 at a random port; `handler` decides each answer (change it
 * later with `setHandler`). Close it in `afterAll`.
 *
 * @example
 * ```ts
 * import { bedrockPromptOf, startFakeBedrock } from '@aiops/testing';
 * // The model "calls" the analyzer's report tool; the second request times out (no answer).
 * const bedrock = await startFakeBedrock((_req, n) =>
 *   n === 1
 *     ? { kind: 'tool', name: 'report_analysis', input: { summary: 'pool exhausted', confidence: 0.8 } }
 *     : { kind: 'hang' },
 * );
 * // ... run the analyzer under test against bedrock.clientConfig, then:
 * bedrock.requests.map(bedrockPromptOf);
 * await bedrock.close();
 * ```
 */
export async function startFakeBedrock(handler: FakeBedrockHandler): Promise<FakeBedrock> {
  let current = handler;
  const requests: SeenBedrockRequest[] = [];
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
      let body: BedrockConverseBody;
      try {
        body = JSON.parse(raw) as BedrockConverseBody;
      } catch (err) {
        send(
          res,
          400,
          { message: `request body is not JSON: ${(err as Error).message}` },
          { 'x-amzn-errortype': 'ValidationException' },
        );
        return;
      }
      const seen: SeenBedrockRequest = { modelId: decodeURIComponent(m[1]!), body, raw, headers: req.headers };
      const n = requests.push(seen);
      Promise.resolve()
        .then(() => current(seen, n))
        .then((reply) => answer(res, reply, pending))
        .catch((err: unknown) =>
          send(res, 500, { message: String(err) }, { 'x-amzn-errortype': 'InternalServerException' }),
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    clientConfig: {
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
    },
    requests,
    setHandler(h) {
      current = h;
    },
    async close() {
      for (const res of pending) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(res: ServerResponse, reply: FakeBedrockReply, pending: Set<ServerResponse>): void {
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

/**
 * The text of a Converse request's first user turn: the prompt the code under test built.
 *
 * @example
 * ```ts
 * import { bedrockPromptOf, startFakeBedrock } from '@aiops/testing';
 * const bedrock = await startFakeBedrock(() => ({ kind: 'text', text: 'ok' }));
 * // ... run the analyzer under test, then check what it told the model:
 * bedrock.requests.map(bedrockPromptOf).some((p) => p.includes('checkout'));
 * await bedrock.close();
 * ```
 */
export function bedrockPromptOf(req: SeenBedrockRequest): string {
  const first = req.body.messages[0]?.content ?? [];
  return first.map((b) => (typeof b.text === 'string' ? b.text : '')).join('\n');
}
