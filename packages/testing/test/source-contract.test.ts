import { type Delivery, type Source, type StageContext, sleep } from '@aiops/core';
import {
  checkSource,
  createMemorySource,
  makeLogSignal,
  runSourceContract,
  type SourceContractOptions,
  sourceChecks,
} from '@aiops/testing';
import { describe, expect, it } from 'vitest';

interface LineSource extends Source {
  append(...lines: string[]): void;
  readonly acks: number;
}

/**
 * A small source as a plugin author would write one: it tails a growing list of lines, polling every
 * 5 ms on the context's clock, until stopped or aborted.
 */
function createLineSource(options: { ignoreStop?: boolean; ignoreAbort?: boolean; doubleCount?: boolean } = {}) {
  const lines: string[] = [];
  const settled = new Set<number>();
  let acks = 0;
  let stopped = false;
  const source: LineSource = {
    name: 'lines',
    append: (...more) => void lines.push(...more),
    get acks() {
      return acks;
    },
    async *read(ctx: StageContext) {
      let next = 0;
      while ((options.ignoreStop || !stopped) && (options.ignoreAbort || !ctx.signal.aborted)) {
        if (next >= lines.length) {
          await sleep(ctx.clock, 5);
          continue;
        }
        const line = next++;
        const delivery: Delivery = {
          id: `lines-${line}`,
          origin: { source: 'file', file: 'app.log', line },
          payload: { type: 'bytes', data: new TextEncoder().encode(lines[line]) },
          ack: () => {
            if (options.doubleCount || !settled.has(line)) acks++;
            settled.add(line);
          },
          nack: () => void settled.add(line),
        };
        yield delivery;
      }
    },
    stop() {
      stopped = true;
    },
  };
  return source;
}

const lineOptions: SourceContractOptions<LineSource> = {
  expectedCount: 12,
  produce: (n, source) => source.append(...Array.from({ length: n }, (_, i) => `line ${i}`)),
  countAcks: (source) => source.acks,
};

runSourceContract('line tailer (written in this test)', () => createLineSource(), lineOptions);

runSourceContract('createMemorySource', () => createMemorySource({ capacity: 5, batchSize: 4 }), {
  expectedCount: 25,
  produce: (n, source) => source.push(...Array.from({ length: n }, (_, i) => makeLogSignal({ message: `m${i}` }))),
  countAcks: (source) => source.acked.length,
});

/** A source that yields fixed deliveries, then waits until stopped. */
function fixedSource(deliveries: unknown[], name = 'fixed'): Source {
  let stop: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  return {
    name,
    async *read(ctx) {
      yield deliveries as Delivery[];
      await new Promise<void>((resolve) => {
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        void stopped.then(resolve);
      });
    },
    stop: () => stop?.(),
  };
}

const good = (id: string): Delivery => ({
  id,
  origin: { source: 'test' },
  payload: { type: 'signals', signals: [makeLogSignal()] },
  ack: () => {},
  nack: () => {},
});

const fast = { timeoutMs: 300, stopWithinMs: 100 };

describe('checkSource', () => {
  it('finds nothing wrong with sources that keep the contract', async () => {
    expect(await checkSource(() => createLineSource(), lineOptions)).toEqual([]);
    expect(await checkSource(() => fixedSource([good('a'), good('b')]), { expectedCount: 2, ...fast })).toEqual([]);
    expect(sourceChecks).toHaveLength(5);
  });

  it('catches malformed deliveries: ids, origins, payloads, missing settlement', async () => {
    const v = await checkSource(
      () =>
        fixedSource([
          good('a'),
          good('a'),
          { ...good('b'), id: '' },
          { ...good('c'), origin: { source: '' } },
          { ...good('d'), payload: { type: 'bytes', data: 'aGk=' } },
          { ...good('e'), payload: { type: 'signals', signals: [{ type: 'log', timestamp: 'now', message: 'x' }] } },
          { ...good('f'), payload: { type: 'json', value: {} } },
          { id: 'g', origin: { source: 'test' }, payload: good('g').payload },
          null,
        ]),
      { expectedCount: 1, ...fast },
    );
    const read = v.filter((x) => x.startsWith('yields the expected deliveries'));
    expect(read.map((x) => x.replace(/^[^:]+: /, ''))).toEqual([
      'delivery #1 repeats the id "a"',
      'delivery #2 has id ""',
      'delivery #3 has an invalid origin: source: Too small: expected string to have >=1 characters',
      'delivery #4 has bytes whose data is not a Uint8Array',
      'delivery #5 signal 0 is invalid: timestamp: Invalid input: expected number, received string',
      'delivery #6 has a payload of type "json", expected "bytes" or "signals"',
      'delivery #7 lacks ack() or nack()',
      'delivery #8 is null, not a Delivery',
    ]);
  });

  it('catches a source that yields fewer deliveries than expected', async () => {
    const v = await checkSource(() => fixedSource([good('a')]), { expectedCount: 3, ...fast });
    expect(v).toContain(
      'yields the expected deliveries, well formed, and takes their acks: read 1 of 3 expected deliveries within 300ms',
    );
  });

  it('catches a delivery that throws when settled twice, and one that counts twice', async () => {
    const strict = (id: string): Delivery => {
      let done = false;
      const settle = (): void => {
        if (done) throw new Error(`${id} already settled`);
        done = true;
      };
      return { ...good(id), ack: settle, nack: settle };
    };
    const v = await checkSource(() => fixedSource([strict('a')]), { expectedCount: 1, ...fast });
    expect(v).toEqual([
      'settling a delivery twice neither throws nor counts twice: ack() a second time on a threw: a already settled',
      'settling a delivery twice neither throws nor counts twice: nack() after ack() on a threw: a already settled',
    ]);
    const counted = await checkSource(() => createLineSource({ doubleCount: true }), lineOptions);
    expect(counted).toEqual([
      'settling a delivery twice neither throws nor counts twice: settling 12 deliveries again moved the ack count from 12 to 24',
    ]);
  });

  it('catches a source that does not end on stop() or on abort', async () => {
    const deaf = await checkSource(() => createLineSource({ ignoreStop: true }), { ...lineOptions, ...fast });
    expect(deaf).toContain(
      'stop() ends the iteration promptly and is idempotent: the iteration was still going 100ms after stop()',
    );
    expect(deaf.some((x) => x.startsWith('aborting ctx.signal'))).toBe(false);
    const stubborn = await checkSource(() => createLineSource({ ignoreAbort: true }), { ...lineOptions, ...fast });
    expect(stubborn).toEqual([
      'aborting ctx.signal ends the iteration promptly: the iteration was still going 100ms after ctx.signal aborted',
    ]);
  });

  it('reports a producer that fails', async () => {
    const v = await checkSource(() => createMemorySource(), {
      expectedCount: 1,
      produce: () => Promise.reject(new Error('stream not found')),
      ...fast,
    });
    expect(v).toContain(
      'yields the expected deliveries, well formed, and takes their acks: produce(1) failed: stream not found',
    );
  });
});
