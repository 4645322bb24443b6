import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Delivery, type LogSignal, MemoryStateStore, type Signal } from '@aiops/core';
import { createPipeline, MemoryDeadLetterSink } from '@aiops/pipeline';
import { runSourceContract } from '@aiops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAutoDecoder, createFileSource } from '../../src/index.js';
import { ctxOf } from '../support/consume.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiops-file-source-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function file(content: string | Uint8Array, name = `f${++n}.ndjson`): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  return path;
}

async function readAll(
  source: ReturnType<typeof createFileSource>,
  store = new MemoryStateStore(),
  ack = (_: Delivery) => true,
) {
  const out: Delivery[] = [];
  for await (const batch of source.read({ ...ctxOf(), store })) {
    for (const d of [batch].flat()) {
      out.push(d);
      if (ack(d)) d.ack();
    }
  }
  return out;
}

const ndjson = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({ time: 1_700_000_000_000 + i, level: i % 5 === 0 ? 'error' : 'info', msg: `m${i}` }),
  ).join('\n');

describe('file source', () => {
  it('replays NDJSON lines as records with file and line origins, gzip detected from the bytes', async () => {
    const plain = await file(`${ndjson(3)}\n\n`);
    const zipped = await file(gzipSync(ndjson(2)), 'z.gz-without-extension');
    const source = createFileSource({ paths: [plain, zipped], batchSize: 2 });
    const got = await readAll(source);
    expect(got.map((d) => [d.origin.file, d.origin.line])).toEqual([
      [plain, 1],
      [plain, 2],
      [plain, 3],
      [zipped, 1],
      [zipped, 2],
    ]);
    expect(new TextDecoder().decode((got[0]!.payload as { data: Uint8Array }).data)).toContain('"msg":"m0"');
    expect(source.stats()).toEqual({ lines: 5, acked: 5, files: 2 });
  });

  it('reads a CloudWatch Logs export (time, message, log stream from the path) into log signals', async () => {
    const path = await file(
      gzipSync(
        '2024-05-01T10:00:00.000Z START RequestId: 1\n2024-05-01T10:00:01.500Z ERROR card declined\nnot a line\n',
      ),
      'exp/task-1/2024/05/01/[$LATEST]abc/000000.gz',
    );
    const got = await readAll(
      createFileSource({ paths: path, format: 'cloudwatch-export', logGroup: '/aws/lambda/pay', service: 'pay' }),
    );
    const signals = got.flatMap((d) => (d.payload.type === 'signals' ? d.payload.signals : [])) as LogSignal[];
    expect(signals.map((s) => [s.timestamp, s.message, s.level, s.logStream, s.logGroup, s.service])).toEqual([
      [
        Date.parse('2024-05-01T10:00:00.000Z'),
        'START RequestId: 1',
        undefined,
        '[$LATEST]abc',
        '/aws/lambda/pay',
        'pay',
      ],
      [
        Date.parse('2024-05-01T10:00:01.500Z'),
        'ERROR card declined',
        'error',
        '[$LATEST]abc',
        '/aws/lambda/pay',
        'pay',
      ],
    ]);
    expect(got[2]!.payload.type).toBe('bytes'); // left to the decoders, which dead-letter it
  });

  it('reads the pretty-printed JSON of `aws logs filter-log-events`', async () => {
    const doc = {
      events: [
        {
          logStreamName: 'web/1',
          timestamp: 1_700_000_000_000,
          message: 'GET /cart 503 12ms',
          ingestionTime: 1,
          eventId: 'e1',
        },
        { logStreamName: 'web/2', timestamp: 1_700_000_000_500, message: 'ok', ingestionTime: 2, eventId: 'e2' },
      ],
      searchedLogStreams: [],
    };
    const path = await file(JSON.stringify(doc, null, 2), 'events.json');
    const got = await readAll(createFileSource({ paths: path, format: 'cloudwatch-events', logGroup: '/ecs/web' }));
    const signals = got.flatMap((d) => (d.payload.type === 'signals' ? d.payload.signals : [])) as LogSignal[];
    expect(signals.map((s) => [s.logStream, s.eventId, s.level])).toEqual([
      ['web/1', 'e1', 'error'],
      ['web/2', 'e2', undefined],
    ]);
    expect(new Set(got.map((d) => d.id)).size).toBe(2);
  });

  it('resumes after the last line acked contiguously, kept in the store', async () => {
    const path = await file(ndjson(10));
    const store = new MemoryStateStore();
    const first = await readAll(
      createFileSource({ paths: path, resume: true, checkpointEveryLines: 1 }),
      store,
      (d) => d.origin.line !== 7,
    );
    expect(first).toHaveLength(10);
    await new Promise((r) => setTimeout(r, 20));
    expect((await store.get('file-source/file/' + path))?.value).toEqual({ line: 6 });
    const second = await readAll(createFileSource({ paths: path, resume: true }), store);
    expect(second.map((d) => d.origin.line)).toEqual([7, 8, 9, 10]);
  });

  it('feeds a pipeline: JSON log lines become signals, bad lines are dead-lettered, and drained() resolves at the end', async () => {
    const path = await file(`${ndjson(4)}\n{broken\n`);
    const seen: Signal[] = [];
    const deadLetter = new MemoryDeadLetterSink();
    const pipeline = createPipeline({
      sources: [createFileSource({ paths: path })],
      decoders: [createAutoDecoder({ json: {} })],
      detectors: [{ name: 'collect', observe: (s) => void seen.push(s) }],
      deadLetter,
    });
    await pipeline.start();
    await pipeline.drained();
    await pipeline.stop();
    expect(seen.map((s) => (s.type === 'log' ? s.level : ''))).toEqual(['error', 'info', 'info', 'info']);
    expect(deadLetter.records.map((r) => r.origin?.line)).toEqual([5]);
  });

  it('refuses no paths, naming the field', () => {
    expect(() => createFileSource({ paths: [] })).toThrow(/paths/);
  });
});

runSourceContract('createFileSource', async () => createFileSource({ paths: await file(ndjson(25)), batchSize: 10 }), {
  expectedCount: 25,
  countAcks: (s) => s.stats().acked,
});
