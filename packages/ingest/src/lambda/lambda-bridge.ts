import { type Logger, LoggerSchema, parseOptions, type Source, silentLogger } from '@aiops/core';
import { z } from 'zod';
import { createBatchQueue } from '../internal/batch-queue.js';
import { type KinesisBatchResponse, type KinesisStreamEvent, LambdaBatch } from './kinesis-event.js';
import type { KinesisLambdaHandler, LambdaContextLike } from './lambda-handler.js';

/**
 * Options of {@link createKinesisLambdaBridge}.
 *
 * @example
 * ```ts
 * import type { KinesisLambdaBridgeOptions } from '@aiops/ingest';
 * const options: KinesisLambdaBridgeOptions = { timeoutMarginMs: 2_000, deaggregate: true };
 * ```
 */
export interface KinesisLambdaBridgeOptions {
  /** Source name and origin `source` of deliveries. Defaults to `lambda`. */
  readonly name?: string;
  /** Split KPL aggregates into their user records. Defaults to `true`. */
  readonly deaggregate?: boolean;
  /** Time kept back from the invocation's deadline to return the response. Defaults to 1000 ms. */
  readonly timeoutMarginMs?: number;
  /** Used when the context does not tell the remaining time. Defaults to 60 000 ms. */
  readonly defaultTimeoutMs?: number;
  readonly logger?: Logger;
}

const OptionsSchema = z.object({
  name: z.string().min(1).default('lambda'),
  deaggregate: z.boolean().default(true),
  timeoutMarginMs: z.number().int().nonnegative().default(1_000),
  defaultTimeoutMs: z.number().int().positive().default(60_000),
  logger: LoggerSchema.optional(),
});

/**
 * A long-lived source fed by Lambda invocations, and the handler that feeds it.
 *
 * @example
 * ```ts
 * import { createKinesisLambdaBridge, type KinesisLambdaBridge } from '@aiops/ingest';
 * const bridge: KinesisLambdaBridge = createKinesisLambdaBridge();
 * export const handler = bridge.handler;
 * ```
 */
export interface KinesisLambdaBridge {
  /** Give it to a pipeline started once per Lambda container (outside the handler). */
  readonly source: Source;
  /** The Lambda handler: pushes the batch into `source` and answers once it is settled. */
  readonly handler: KinesisLambdaHandler;
}

/**
 * Connects Lambda invocations to a pipeline that lives as long as the Lambda container, so the
 * pipeline (its incident state, its detectors' windows) is built once, not per batch. Each
 * invocation pushes its batch into `source` and waits until the pipeline has settled every
 * delivery (or the invocation nears its deadline), then returns `batchItemFailures` with the lowest
 * unacknowledged sequence number.
 *
 * @example
 * ```ts
 * import { createAutoDecoder, createKinesisLambdaBridge } from '@aiops/ingest';
 * import { createPipeline } from '@aiops/pipeline';
 *
 * const bridge = createKinesisLambdaBridge();
 * const pipeline = createPipeline({ sources: [bridge.source], decoders: [createAutoDecoder()], detectors: [] });
 * const started = pipeline.start();
 * export const handler = async (event: Parameters<typeof bridge.handler>[0], context: Parameters<typeof bridge.handler>[1]) => {
 *   await started;
 *   return bridge.handler(event, context);
 * };
 * ```
 */
export function createKinesisLambdaBridge(options: KinesisLambdaBridgeOptions = {}): KinesisLambdaBridge {
  const o = parseOptions(OptionsSchema, options, 'createKinesisLambdaBridge');
  const logger = o.logger ?? silentLogger;
  const batches = createBatchQueue(o.name, 'lambda bridge');
  const source = batches.source;
  let invocation = 0;

  const handler = async (event: KinesisStreamEvent, context?: LambdaContextLike): Promise<KinesisBatchResponse> => {
    const batch = new LambdaBatch(event, {
      deaggregate: o.deaggregate,
      idPrefix: `${++invocation}:`,
      sourceName: o.name,
    });
    const budget = (context?.getRemainingTimeInMillis?.() ?? o.defaultTimeoutMs) - o.timeoutMarginMs;
    if (batches.stopped) {
      logger.error('lambda bridge is stopped; failing the batch');
    } else if (batch.deliveries.length > 0) {
      batches.push(batch.deliveries);
      await batch.settled(budget);
    }
    const response = batch.response();
    if (response.batchItemFailures.length > 0) {
      logger.warn('kinesis batch partly failed', { failures: response.batchItemFailures, acked: batch.acked });
    }
    return response;
  };

  return { source, handler };
}
