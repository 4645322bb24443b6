import type { Delivery, Source, StageContext } from '@aiops/core';
import { Changes } from './changes.js';

/**
 * Batches handed over by a push-style caller (a Lambda invocation, an HTTP request), read by the
 * pipeline as a `Source`. One reader at a time; `stop()` ends the read.
 */
export interface BatchQueue {
  readonly source: Source;
  /** Queues one batch for the reader. */
  push(batch: Delivery[]): void;
  readonly stopped: boolean;
  /** Whether a pipeline is reading (and so will take what is pushed). */
  readonly reading: boolean;
}

/** Internal: the queue behind the Lambda bridge and the Firehose endpoint. `what` names it in errors. */
export function createBatchQueue(name: string, what: string): BatchQueue {
  const queue: Delivery[][] = [];
  const changes = new Changes();
  let stopped = false;
  let reading = false;
  return {
    source: {
      name,
      async *read(ctx: StageContext) {
        if (reading) throw new Error(`${what} "${name}" is already being read`);
        reading = true;
        try {
          while (!stopped && !ctx.signal.aborted) {
            const next = queue.shift();
            if (next) yield next;
            else await changes.wait(ctx.signal);
          }
        } finally {
          reading = false;
        }
      },
      stop() {
        stopped = true;
        changes.notify();
      },
    },
    push(batch) {
      queue.push(batch);
      changes.notify();
    },
    get stopped() {
      return stopped;
    },
    get reading() {
      return reading;
    },
  };
}
