import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Delivery, Source } from '@aiops/core';

/** Reads a file line by line and delivers the lines in batches; nothing to acknowledge to. */
export const lineFileSource = (file: string, batchSize = 200): Source => ({
  name: `file:${file}`,
  async *read(ctx) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    let batch: Delivery[] = [];
    let n = 0;
    for await (const line of lines) {
      if (ctx.signal.aborted) break;
      n += 1;
      if (line.trim() === '') continue;
      const data = new TextEncoder().encode(line);
      batch.push({
        id: `${file}:${n}`,
        origin: { source: 'file', file, line: n },
        payload: { type: 'bytes', data },
        ack() {},
        nack() {},
      });
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  },
});
