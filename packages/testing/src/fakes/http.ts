import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * One HTTP request as a fake server received it, body read in full. The fakes keep these in arrival
 * order, so a test can assert on what was sent (path, headers, body) and when.
 *
 * @example
 * ```ts
 * import type { SeenHttpRequest } from '@aiops/testing';
 * // The JSON body of a request, for assertions on what the client sent.
 * const bodyOf = (req: SeenHttpRequest): unknown => JSON.parse(req.body);
 * ```
 */
export interface SeenHttpRequest {
  readonly method: string;
  /** The path without the query string, such as `/api/chat.postMessage`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** The body as UTF-8 text (empty for a request without one). */
  readonly body: string;
  /** `Date.now()` when the body had arrived. */
  readonly at: number;
}

/**
 * How {@link startFakeHttpServer} answers: called once per request, after its body has arrived. A
 * handler that throws (or rejects) gets the request a 500 with the error as plain text.
 *
 * @example
 * ```ts
 * import type { FakeHttpHandler } from '@aiops/testing';
 * // Accepts JSON posts to /hook, 404 for anything else.
 * const handler: FakeHttpHandler = (req, res) => {
 *   res.writeHead(req.method === 'POST' && req.path === '/hook' ? 204 : 404).end();
 * };
 * ```
 */
export type FakeHttpHandler = (req: SeenHttpRequest, res: ServerResponse) => void | Promise<void>;

/**
 * A recording HTTP server on 127.0.0.1 at a random port: the base of the Slack, Jira and Bedrock
 * fakes, and a webhook receiver of its own.
 *
 * @example
 * ```ts
 * import { type FakeHttpServer, startFakeHttpServer } from '@aiops/testing';
 * const receiver: FakeHttpServer = await startFakeHttpServer((_req, res) => void res.writeHead(200).end('ok'));
 * await fetch(`${receiver.url}/hook`, { method: 'POST', body: '{"text":"hi"}' });
 * receiver.requests.length; // 1
 * await receiver.close();
 * ```
 */
export interface FakeHttpServer {
  /** Base URL, such as `http://127.0.0.1:49152` (no trailing slash). */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: SeenHttpRequest[];
  /** Stops the server, dropping open connections (keep-alive ones included). */
  close(): Promise<void>;
}

/**
 * Starts a {@link FakeHttpServer} that records every request and lets `handler` answer it.
 *
 * @example
 * ```ts
 * import { startFakeHttpServer } from '@aiops/testing';
 * // A webhook receiver that is down for its first call.
 * let calls = 0;
 * const receiver = await startFakeHttpServer((_req, res) => {
 *   res.writeHead(++calls === 1 ? 503 : 200).end();
 * });
 * // ... point the notifier under test at `${receiver.url}/hook`, then:
 * receiver.requests.map((r) => r.body);
 * await receiver.close();
 * ```
 */
export async function startFakeHttpServer(handler: FakeHttpHandler): Promise<FakeHttpServer> {
  const requests: SeenHttpRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const seen: SeenHttpRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(seen);
      Promise.resolve()
        .then(() => handler(seen, res))
        .catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `body` as a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Ends the connection without an answer, after the server did the work: the client cannot know it happened. */
export function hangUp(res: ServerResponse): void {
  res.socket?.destroy();
}
