import { describeError, type Logger, LoggerSchema, parseOptions, type Source, silentLogger } from '@aiops/core';
import { z } from 'zod';
import { type KinesisBatchResponse, type KinesisStreamEvent, LambdaBatch } from './kinesis-event.js';

/**
 * The parts of the Lambda context object the handler reads.
 *
 * @example
 * ```ts
 * import type { LambdaContextLike } from '@aiops/ingest';
 * const inTests: LambdaContextLike = { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'test' };
 * ```
 */
export interface LambdaContextLike {
  getRemainingTimeInMillis?(): number;
  readonly awsRequestId?: string;
}

/**
 * What `consume` is given besides the source.
 *
 * @example
 * ```ts
 * import type { ConsumeInfo } from '@aiops/ingest';
 * const records = (info: ConsumeInfo) => info.event.Records.length;
 * ```
 */
export interface ConsumeInfo {
  readonly event: KinesisStreamEvent;
  readonly context: LambdaContextLike | undefined;
  /** Aborts when the invocation is about to run out of time. */
  readonly signal: AbortSignal;
}

/**
 * Options of {@link createKinesisLambdaHandler}.
 *
 * @example
 * ```ts
 * import type { KinesisLambdaHandlerOptions } from '@aiops/ingest';
 * const options: KinesisLambdaHandlerOptions = {
 *   consume: async (source, { signal }) => {
 *     for await (const batch of source.read({ signal } as never)) for (const d of [batch].flat()) d.ack();
 *   },
 *   timeoutMarginMs: 2_000,
 * };
 * ```
 */
export interface KinesisLambdaHandlerOptions {
  /**
   * Runs your consumer over the batch, as a `Source` that yields the batch's deliveries and ends:
   * typically a pipeline (`start()`, `drained()`, `stop()`). Every delivery it acks is a success;
   * nacked or unsettled ones make their record (and those after it) be retried by Lambda.
   */
  readonly consume: (source: Source, info: ConsumeInfo) => Promise<void>;
  /** Source name and origin `source` of deliveries. Defaults to `lambda`. */
  readonly name?: string;
  /** Split KPL aggregates into their user records. Defaults to `true`. */
  readonly deaggregate?: boolean;
  /** Time kept back from the invocation's deadline to return the response. Defaults to 1000 ms. */
  readonly timeoutMarginMs?: number;
  /** Used when the context does not tell the remaining time. Defaults to 60 000 ms. */
  readonly defaultTimeoutMs?: number;
  /** When `consume` throws: report the unsettled records (default), or throw (Lambda then retries or bisects the batch). */
  readonly onError?: 'report' | 'throw';
  readonly logger?: Logger;
}

const OptionsSchema = z.object({
  consume: z.custom<KinesisLambdaHandlerOptions['consume']>((v) => typeof v === 'function', 'expected a function'),
  name: z.string().min(1).default('lambda'),
  deaggregate: z.boolean().default(true),
  timeoutMarginMs: z.number().int().nonnegative().default(1_000),
  defaultTimeoutMs: z.number().int().positive().default(60_000),
  onError: z.enum(['report', 'throw']).default('report'),
  logger: LoggerSchema.optional(),
});

/**
 * A Lambda handler for a Kinesis event source mapping.
 *
 * @example
 * ```ts
 * import { createKinesisLambdaHandler, type KinesisLambdaHandler } from '@aiops/ingest';
 * export const handler: KinesisLambdaHandler = createKinesisLambdaHandler({ consume: async () => {} });
 * ```
 */
export type KinesisLambdaHandler = (
  event: KinesisStreamEvent,
  context?: LambdaContextLike,
) => Promise<KinesisBatchResponse>;

/**
 * Creates a Lambda handler for a Kinesis event source mapping with `ReportBatchItemFailures`: it
 * turns the batch into a `Source` (KPL aggregates split), runs your consumer over it, and returns
 * `batchItemFailures` naming the lowest sequence number whose record was not acknowledged, so
 * Lambda checkpoints before it and retries from it. Everything acked is a success; a delivery
 * still unsettled when the invocation is about to time out counts as failed.
 *
 * Enable `FunctionResponseTypes: ["ReportBatchItemFailures"]` on the mapping: without it Lambda
 * ignores the response.
 *
 * @example
 * ```ts
 * import { createAutoDecoder, createKinesisLambdaHandler } from '@aiops/ingest';
 * import { createDynamoDbStateStore } from '@aiops/ingest';
 * import { createPipeline } from '@aiops/pipeline';
 *
 * const store = createDynamoDbStateStore({ tableName: 'aiops-state', clientConfig: {} });
 * export const handler = createKinesisLambdaHandler({
 *   consume: async (source) => {
 *     const pipeline = createPipeline({ sources: [source], decoders: [createAutoDecoder()], detectors: [], store });
 *     await pipeline.start();
 *     await pipeline.drained();
 *     await pipeline.stop();
 *   },
 * });
 * ```
 */
export function createKinesisLambdaHandler(options: KinesisLambdaHandlerOptions): KinesisLambdaHandler {
  const o = parseOptions(OptionsSchema, options, 'createKinesisLambdaHandler');
  const logger = o.logger ?? silentLogger;
  let invocation = 0;
  return async (event, context) => {
    const batch = new LambdaBatch(event, {
      deaggregate: o.deaggregate,
      idPrefix: `${++invocation}:`,
      sourceName: o.name,
    });
    const budget = (context?.getRemainingTimeInMillis?.() ?? o.defaultTimeoutMs) - o.timeoutMarginMs;
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error('the Lambda invocation is about to time out')),
      Math.max(0, budget),
    );
    timer.unref?.();
    const started = Date.now();
    try {
      await Promise.race([
        o.consume(batchSource(o.name, batch), { event, context, signal: abort.signal }),
        new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true })),
      ]);
      await batch.settled(budget - (Date.now() - started));
    } catch (err) {
      if (o.onError === 'throw') throw err;
      logger.error('kinesis batch consumer failed; reporting the unacknowledged records', {
        error: describeError(err),
      });
    } finally {
      clearTimeout(timer);
    }
    const response = batch.response();
    if (response.batchItemFailures.length > 0) {
      logger.warn('kinesis batch partly failed', { failures: response.batchItemFailures, acked: batch.acked });
    }
    return response;
  };
}

/** A source yielding one Lambda batch and ending. */
function batchSource(name: string, batch: LambdaBatch): Source {
  let stopped = false;
  return {
    name,
    async *read(ctx) {
      if (stopped || ctx.signal.aborted || batch.deliveries.length === 0) return;
      yield batch.deliveries;
    },
    stop() {
      stopped = true;
    },
  };
}
