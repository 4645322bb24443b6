import {
  type Delivery,
  describeError,
  MemoryStateStore,
  OriginSchema,
  SignalSchema,
  type Source,
  type StageContext,
  systemClock,
  toIssues,
} from '@aiops/core';
import { createCapturingLogger } from './capturing-logger.js';
import { type ContractCheck, registerChecks, runChecks } from './contract-kit.js';
import { TimeoutError, withTimeout } from './waiting.js';

/**
 * Makes a fresh source for each check.
 *
 * @example
 * ```ts
 * import { createMemorySource, type SourceFactory } from '@aiops/testing';
 * const factory: SourceFactory = () => createMemorySource();
 * ```
 */
export type SourceFactory<S extends Source = Source> = () => S | Promise<S>;

/**
 * Options of {@link runSourceContract} and {@link checkSource}.
 *
 * @example
 * ```ts
 * import {
 *   checkSource, createMemorySource, makeLogSignal, type MemorySource, type SourceContractOptions,
 * } from '@aiops/testing';
 * const options: SourceContractOptions<MemorySource> = {
 *   expectedCount: 3,
 *   produce: async (n, source) => {
 *     for (let i = 0; i < n; i++) await source.push(makeLogSignal({ message: `line ${i}` }));
 *   },
 *   countAcks: (source) => source.acked.length,
 *   stopWithinMs: 500,
 * };
 * const violations = await checkSource(() => createMemorySource(), options); // []
 * ```
 */
export interface SourceContractOptions<S extends Source = Source> {
  /** How many deliveries the source yields after `produce(expectedCount)` (or on its own). */
  readonly expectedCount: number;
  /** Makes `n` records available to this source (writes to the stream, pushes...); runs while reading. */
  readonly produce?: (n: number, source: S) => Promise<void> | void;
  /** How many acks the source has taken so far; checks that settling twice counts once. */
  readonly countAcks?: (source: S) => number | Promise<number>;
  /** How long reading `expectedCount` deliveries may take, in real time. Defaults to 5000 ms. */
  readonly timeoutMs?: number;
  /** How soon `stop()` or an abort must end the iteration. Defaults to 1000 ms. */
  readonly stopWithinMs?: number;
}

/** A source being read: its iterator, what it yielded, and what was wrong with it. */
class Reader {
  readonly deliveries: Delivery[] = [];
  readonly violations: string[] = [];
  readonly controller = new AbortController();
  readonly #ids = new Set<string>();
  #yielded = 0;
  readonly #iterator: AsyncIterator<Delivery | readonly Delivery[]>;
  #producing: Promise<void> = Promise.resolve();

  constructor(
    readonly source: Source,
    readonly options: SourceContractOptions,
  ) {
    const ctx: StageContext = {
      logger: createCapturingLogger(),
      clock: systemClock,
      store: new MemoryStateStore(),
      signal: this.controller.signal,
    };
    this.#iterator = source.read(ctx)[Symbol.asyncIterator]();
  }

  /** Starts the producer without waiting for it: it may wait for the reader to make room. */
  produce(n: number): void {
    const run = async (): Promise<void> => {
      await this.options.produce?.(n, this.source);
    };
    this.#producing = run().catch((err) => {
      this.violations.push(`produce(${n}) failed: ${describeError(err)}`);
    });
  }

  /** Reads until `n` deliveries in all, or the source ends, or `ms` pass; `false` on a timeout. */
  async readUntil(n: number, ms: number, ack = true): Promise<'count' | 'ended' | 'timeout'> {
    const deadline = Date.now() + ms;
    while (this.deliveries.length < n) {
      const state = await this.next(Math.max(1, deadline - Date.now()), ack);
      if (state !== 'item') return state;
    }
    return 'count';
  }

  /** Reads one step; every delivery is checked, and acked unless told otherwise. */
  async next(ms: number, ack = true): Promise<'item' | 'ended' | 'timeout'> {
    let step: IteratorResult<Delivery | readonly Delivery[]>;
    try {
      step = await withTimeout(this.#iterator.next(), ms, 'reading');
    } catch (err) {
      if (err instanceof TimeoutError) return 'timeout';
      this.violations.push(`read() failed: ${describeError(err)}`);
      return 'ended';
    }
    if (step.done) return 'ended';
    const batch: readonly unknown[] = Array.isArray(step.value) ? step.value : [step.value];
    for (const item of batch) {
      const index = this.#yielded++;
      const problems = deliveryProblems(item, index);
      this.violations.push(...problems);
      if (problems.length > 0) continue;
      const d = item as Delivery;
      if (this.#ids.has(d.id)) this.violations.push(`delivery #${index} repeats the id ${JSON.stringify(d.id)}`);
      this.#ids.add(d.id);
      this.deliveries.push(d);
      if (ack) this.settle(d, 'ack() the first time', () => d.ack());
    }
    return 'item';
  }

  /** Keeps reading (and acking) until the iteration ends; `false` if it is still going after `ms`. */
  async drain(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const state = await this.next(left);
      if (state === 'ended') return true;
      if (state === 'timeout') return false;
    }
  }

  settle(d: Delivery, what: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      this.violations.push(`${what} on ${d.id} threw: ${describeError(err)}`);
    }
  }

  async stop(what: string): Promise<void> {
    try {
      await withTimeout(Promise.resolve(this.source.stop?.()), this.options.stopWithinMs ?? 1_000, what);
    } catch (err) {
      this.violations.push(`${what} failed: ${describeError(err)}`);
    }
  }

  /** Ends everything this reader started, whatever state it is in. */
  async close(): Promise<void> {
    this.controller.abort();
    await Promise.resolve(this.source.stop?.()).catch(() => {});
    await withTimeout(this.#producing, 1_000, 'produce').catch(() => {});
    // The generator may be parked in a pending next(); return() then waits for it, so do not await forever.
    await withTimeout(Promise.resolve(this.#iterator.return?.()), 100, 'return').catch(() => {});
  }
}

function deliveryProblems(item: unknown, index: number): string[] {
  const at = `delivery #${index}`;
  if (typeof item !== 'object' || item === null) return [`${at} is ${String(item)}, not a Delivery`];
  const d = item as Partial<Delivery>;
  const out: string[] = [];
  if (typeof d.id !== 'string' || d.id.length === 0) out.push(`${at} has id ${JSON.stringify(d.id)}`);
  const origin = OriginSchema.safeParse(d.origin);
  if (!origin.success) out.push(`${at} has an invalid origin: ${issues(origin.error)}`);
  const p = d.payload as { type?: unknown; data?: unknown; signals?: unknown } | undefined;
  if (p?.type === 'bytes') {
    if (!(p.data instanceof Uint8Array)) out.push(`${at} has bytes whose data is not a Uint8Array`);
  } else if (p?.type === 'signals') {
    if (!Array.isArray(p.signals)) out.push(`${at} has signals that are not an array`);
    else
      p.signals.forEach((s, i) => {
        const parsed = SignalSchema.safeParse(s);
        if (!parsed.success) out.push(`${at} signal ${i} is invalid: ${issues(parsed.error)}`);
      });
  } else {
    out.push(`${at} has a payload of type ${JSON.stringify(p?.type)}, expected "bytes" or "signals"`);
  }
  if (typeof d.ack !== 'function' || typeof d.nack !== 'function') out.push(`${at} lacks ack() or nack()`);
  return out;
}

function issues(error: Parameters<typeof toIssues>[0]): string {
  return toIssues(error)
    .map((x) => `${x.path || '(root)'}: ${x.message}`)
    .join('; ');
}

/** Opens a reader on a fresh source, runs `body`, and always closes it. */
async function withReader(
  factory: SourceFactory,
  o: SourceContractOptions,
  body: (r: Reader) => Promise<void>,
): Promise<string[]> {
  const reader = new Reader(await factory(), o);
  try {
    await body(reader);
  } finally {
    await reader.close();
  }
  return [...new Set(reader.violations)];
}

/** Reads `expectedCount` deliveries, recording a violation when they do not all come. */
async function readExpected(r: Reader, o: SourceContractOptions, ack = true): Promise<void> {
  r.produce(o.expectedCount);
  const state = await r.readUntil(o.expectedCount, o.timeoutMs ?? 5_000, ack);
  if (state !== 'count') {
    const why = state === 'ended' ? 'before the iteration ended' : `within ${o.timeoutMs ?? 5_000}ms`;
    r.violations.push(`read ${r.deliveries.length} of ${o.expectedCount} expected deliveries ${why}`);
  }
}

/**
 * Ends the iteration with `end` and checks it finishes within `stopWithinMs`. With `whileWaiting`,
 * a read is already waiting when `end` runs, as when the host stops a source with nothing to read.
 */
async function endsPromptly(
  r: Reader,
  o: SourceContractOptions,
  how: string,
  end: () => Promise<void> | void,
  whileWaiting = true,
): Promise<void> {
  const ms = o.stopWithinMs ?? 1_000;
  let draining: Promise<boolean> | undefined;
  if (whileWaiting) {
    draining = r.drain(ms + 50);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await end();
  if (!(await (draining ?? r.drain(ms)))) r.violations.push(`the iteration was still going ${ms}ms after ${how}`);
}

/**
 * The properties {@link runSourceContract} checks, one test each, in order.
 *
 * @example
 * ```ts
 * import { sourceChecks } from '@aiops/testing';
 * sourceChecks.map((c) => c.title);
 * ```
 */
export const sourceChecks: readonly ContractCheck<SourceFactory, SourceContractOptions>[] = [
  {
    title: 'has a non-empty name',
    async run(factory) {
      const s = await factory();
      return typeof s.name === 'string' && s.name.trim() !== '' ? [] : [`name is ${JSON.stringify(s.name)}`];
    },
  },
  {
    title: 'yields the expected deliveries, well formed, and takes their acks',
    run: (factory, o) => withReader(factory, o, (r) => readExpected(r, o)),
  },
  {
    title: 'settling a delivery twice neither throws nor counts twice',
    async run(factory, o) {
      if (o.expectedCount < 1) return null;
      return withReader(factory, o, async (r) => {
        const before = await o.countAcks?.(r.source);
        await readExpected(r, o);
        const once = await o.countAcks?.(r.source);
        for (const d of r.deliveries) {
          r.settle(d, 'ack() a second time', () => d.ack());
          r.settle(d, 'nack() after ack()', () => d.nack(new Error('contract: settled twice')));
        }
        if (before === undefined || once === undefined) return;
        const twice = await o.countAcks?.(r.source);
        const n = r.deliveries.length;
        if (once - before !== n) r.violations.push(`acking ${n} deliveries counted ${once - before} acks`);
        if (twice !== once)
          r.violations.push(`settling ${n} deliveries again moved the ack count from ${once} to ${twice}`);
      });
    },
  },
  {
    title: 'stop() ends the iteration promptly and is idempotent',
    async run(factory, o) {
      const probe = await factory();
      if (!probe.stop) return null;
      const waiting = await withReader(factory, o, async (r) => {
        await readExpected(r, o);
        await endsPromptly(r, o, 'stop()', async () => {
          await r.stop('stop()');
          await r.stop('stop() a second time');
        });
        await r.stop('stop() after the iteration ended');
      });
      const early = await withReader(factory, o, async (r) => {
        await endsPromptly(r, o, 'stop() before reading', () => r.stop('stop() before reading'), false);
      });
      return [...waiting, ...early];
    },
  },
  {
    title: 'aborting ctx.signal ends the iteration promptly',
    run: (factory, o) =>
      withReader(factory, o, async (r) => {
        await readExpected(r, o);
        await endsPromptly(r, o, 'ctx.signal aborted', () => r.controller.abort());
      }),
  },
];

/**
 * Runs every source check and returns the violations, each prefixed with its check's title; empty
 * when the source keeps the contract.
 *
 * @example
 * ```ts
 * import { checkSource, createMemorySource, makeLogSignal } from '@aiops/testing';
 * const violations = await checkSource(() => createMemorySource(), {
 *   expectedCount: 3,
 *   produce: (n, source) => source.push(...Array.from({ length: n }, () => makeLogSignal())),
 * });
 * violations; // []
 * ```
 */
export function checkSource<S extends Source>(factory: SourceFactory<S>, options: SourceContractOptions<S>) {
  return runChecks(sourceChecks, factory, options as unknown as SourceContractOptions);
}

/**
 * Registers the source contract as a vitest `describe` block, one test per property: a non-empty
 * name; `read` yields deliveries (or arrays of them) with unique non-empty ids, a valid origin and a
 * valid payload, `expectedCount` of them; acks are taken, and settling twice neither throws nor
 * counts twice (with `countAcks`); `stop()` ends the iteration promptly, before or during a read, and
 * is idempotent; aborting `ctx.signal` ends it too.
 *
 * @example
 * ```ts
 * // test/memory-source.contract.test.ts: the same shape serves a Kinesis source, with `produce`
 * // writing records to the stream and a longer `timeoutMs`.
 * import { createMemorySource, makeLogSignal, runSourceContract } from '@aiops/testing';
 *
 * runSourceContract('memory', () => createMemorySource({ capacity: 5 }), {
 *   expectedCount: 20,
 *   produce: (n, source) => source.push(...Array.from({ length: n }, (_, i) => makeLogSignal({ message: `line ${i}` }))),
 *   countAcks: (source) => source.acked.length,
 * });
 * ```
 */
export function runSourceContract<S extends Source>(
  name: string,
  factory: SourceFactory<S>,
  options: SourceContractOptions<S>,
): void {
  const budget = (options.timeoutMs ?? 5_000) + 4 * (options.stopWithinMs ?? 1_000) + 3_000;
  registerChecks(
    `source contract: ${name}`,
    sourceChecks,
    factory,
    options as unknown as SourceContractOptions,
    budget,
  );
}
