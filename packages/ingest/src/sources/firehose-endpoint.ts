import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { type Delivery, type Logger, LoggerSchema, parseOptions, type Source, silentLogger } from '@aiops/core';
import { z } from 'zod';
import { createBatchQueue } from '../internal/batch-queue.js';

/**
 * Options of {@link createFirehoseEndpoint}.
 *
 * @example
 * ```ts
 * import type { FirehoseEndpointOptions } from '@aiops/ingest';
 * const options: FirehoseEndpointOptions = { accessKey: ['current-key', 'previous-key'], ackTimeoutMs: 60_000 };
 * ```
 */
export interface FirehoseEndpointOptions {
  /** Source name and origin `source` of deliveries. Defaults to `firehose`. */
  readonly name?: string;
  /**
   * The access key(s) configured on the Firehose HTTP endpoint destination; requests without a
   * matching `X-Amz-Firehose-Access-Key` get 401. Leave it out only behind your own authentication.
   */
  readonly accessKey?: string | readonly string[];
  /** Largest request body accepted (after gzip). Defaults to 64 MiB. */
  readonly maxBodyBytes?: number;
  /** How long a request waits for its records to be acknowledged before answering 500. Defaults to 120 s (Firehose waits 3 min). */
  readonly ackTimeoutMs?: number;
  /** Requests waiting at once; more get 503 and Firehose retries them later. Defaults to 32. */
  readonly maxPendingRequests?: number;
  readonly logger?: Logger;
}

const OptionsSchema = z.object({
  name: z.string().min(1).default('firehose'),
  accessKey: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  ackTimeoutMs: z.number().int().positive().default(120_000),
  maxPendingRequests: z.number().int().positive().default(32),
  logger: LoggerSchema.optional(),
});

/**
 * The endpoint: a source for the pipeline and a request handler for any Node HTTP server.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createFirehoseEndpoint, type FirehoseEndpoint } from '@aiops/ingest';
 * const firehose: FirehoseEndpoint = createFirehoseEndpoint({ accessKey: 'k' });
 * createServer((req, res) => {
 *   if (req.url === '/firehose') void firehose.handle(req, res);
 *   else res.writeHead(404).end();
 * }).listen(8080);
 * ```
 */
export interface FirehoseEndpoint {
  readonly source: Source;
  /** Handles one Firehose delivery request; mount it on the path you gave Firehose. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  stats(): { readonly requests: number; readonly records: number; readonly rejected: number; readonly failed: number };
}

interface FirehoseBody {
  readonly requestId: string;
  readonly timestamp: number;
  readonly records: ReadonlyArray<{ readonly data: string }>;
}

/**
 * Receives Amazon Data Firehose deliveries to an HTTP endpoint destination, the way CloudWatch
 * Metric Streams reach you (Firehose cannot write to a Kinesis stream). The handler checks the
 * access key, reads the (optionally gzip) JSON body, hands each base64 record to the pipeline
 * through `source`, and answers Firehose only once every record is acknowledged: 200 with
 * `{"requestId","timestamp"}`, or an error status with `errorMessage` so Firehose retries the
 * request (at least once delivery). Works with `node:http`, Express, Fastify's raw request...
 * Firehose requires HTTPS on port 443: put it behind a TLS terminator (a load balancer).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createAutoDecoder, createFirehoseEndpoint } from '@aiops/ingest';
 * import { createPipeline } from '@aiops/pipeline';
 *
 * const firehose = createFirehoseEndpoint({ accessKey: 'configured-on-the-delivery-stream' });
 * const pipeline = createPipeline({ sources: [firehose.source], decoders: [createAutoDecoder()], detectors: [] });
 * await pipeline.start();
 * createServer((req, res) => void firehose.handle(req, res)).listen(8080);
 * ```
 */
export function createFirehoseEndpoint(options: FirehoseEndpointOptions = {}): FirehoseEndpoint {
  const o = parseOptions(OptionsSchema, options, 'createFirehoseEndpoint');
  const logger = o.logger ?? silentLogger;
  const keys = o.accessKey === undefined ? [] : typeof o.accessKey === 'string' ? [o.accessKey] : [...o.accessKey];
  const batches = createBatchQueue(o.name, 'firehose endpoint');
  const source = batches.source;
  const counts = { requests: 0, records: 0, rejected: 0, failed: 0 };
  let pending = 0;
  let seq = 0;

  const reply = (res: ServerResponse, status: number, requestId: string, errorMessage?: string): void => {
    const body = JSON.stringify({ requestId, timestamp: Date.now(), ...(errorMessage ? { errorMessage } : {}) });
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counts.requests++;
    const headerId = String(req.headers['x-amz-firehose-request-id'] ?? '');
    const refuse = (status: number, message: string): void => {
      counts.rejected++;
      logger.warn('firehose request refused', { status, message, requestId: headerId });
      req.resume();
      reply(res, status, headerId, message);
    };
    if (req.method !== 'POST') return refuse(405, 'only POST is accepted');
    if (keys.length > 0 && !keyMatches(String(req.headers['x-amz-firehose-access-key'] ?? ''), keys)) {
      return refuse(401, 'X-Amz-Firehose-Access-Key is missing or wrong');
    }
    if (batches.stopped || !batches.reading) return refuse(503, 'not consuming yet; retry later');
    if (pending >= o.maxPendingRequests) return refuse(503, 'too many requests in flight; retry later');
    let body: FirehoseBody;
    try {
      body = parseBody(
        await readBody(req, o.maxBodyBytes),
        String(req.headers['content-encoding'] ?? ''),
        o.maxBodyBytes,
      );
    } catch (err) {
      return refuse((err as { status?: number }).status ?? 400, (err as Error).message);
    }
    const requestId = body.requestId || headerId;
    const n = ++seq;
    let settled = 0;
    let nacked = 0;
    let done!: () => void;
    const allSettled = new Promise<void>((resolve) => {
      done = resolve;
    });
    const deliveries = body.records.map((r, i): Delivery => {
      let once = false;
      const settle = (ok: boolean): void => {
        if (once) return;
        once = true;
        if (!ok) nacked++;
        if (++settled === body.records.length) done();
      };
      return {
        id: `${o.name}:${n}:${requestId}/${i}`,
        origin: {
          source: o.name,
          sequenceNumber: String(i),
          receivedAt: body.timestamp,
          ...(req.headers['x-amz-firehose-source-arn']
            ? { stream: String(req.headers['x-amz-firehose-source-arn']) }
            : {}),
        },
        payload: { type: 'bytes', data: Buffer.from(r.data, 'base64') },
        ack: () => settle(true),
        nack: () => settle(false),
      };
    });
    if (deliveries.length === 0) return reply(res, 200, requestId);
    counts.records += deliveries.length;
    pending++;
    batches.push(deliveries);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      allSettled.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), o.ackTimeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    pending--;
    if (timedOut || nacked > 0) {
      counts.failed++;
      reply(
        res,
        500,
        requestId,
        timedOut ? 'records were not processed in time' : `${nacked} records could not be processed`,
      );
      return;
    }
    reply(res, 200, requestId);
  };

  return { source, handle, stats: () => ({ ...counts }) };
}

function keyMatches(given: string, keys: readonly string[]): boolean {
  const g = Buffer.from(given);
  let ok = false;
  for (const k of keys) {
    const b = Buffer.from(k);
    // Compare every key in constant time for its length, so timing tells nothing.
    if (b.length === g.length && timingSafeEqual(b, g)) ok = true;
  }
  return ok;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw Object.assign(new Error(`request body exceeds ${max} bytes`), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer, encoding: string, max: number): FirehoseBody {
  let text: string;
  try {
    text = (encoding.toLowerCase() === 'gzip' ? gunzipSync(raw, { maxOutputLength: max }) : raw).toString('utf8');
  } catch (err) {
    throw new Error(`body is not valid gzip: ${(err as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`body is not JSON: ${(err as Error).message}`);
  }
  const b = v as Partial<FirehoseBody>;
  if (typeof b !== 'object' || b === null) throw new Error('body: expected a JSON object');
  if (typeof b.requestId !== 'string') throw new Error('requestId: expected a string');
  if (!Array.isArray(b.records)) throw new Error('records: expected an array');
  b.records.forEach((r, i) => {
    if (typeof r?.data !== 'string') throw new Error(`records[${i}].data: expected base64 text`);
  });
  return {
    requestId: b.requestId,
    timestamp: typeof b.timestamp === 'number' ? b.timestamp : Date.now(),
    records: b.records,
  };
}
