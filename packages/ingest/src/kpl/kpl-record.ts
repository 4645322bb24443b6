import { createHash } from 'node:crypto';
import { agg } from './aws-kinesis-agg.js';

/**
 * The four bytes every KPL-aggregated record starts with.
 *
 * @example
 * ```ts
 * import { KPL_MAGIC } from '@aiops/ingest';
 * const looksAggregated = (data: Uint8Array) => KPL_MAGIC.every((b, i) => data[i] === b);
 * ```
 */
export const KPL_MAGIC: Uint8Array = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);

const MD5_BYTES = 16;

/**
 * Whether a Kinesis record's data is a KPL aggregate (starts with the KPL magic bytes).
 *
 * @example
 * ```ts
 * import { isKplAggregate } from '@aiops/ingest';
 * isKplAggregate(new TextEncoder().encode('{"plain":true}')); // false
 * ```
 */
export function isKplAggregate(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0xf3 && data[1] === 0x89 && data[2] === 0x9a && data[3] === 0xc2;
}

/**
 * One user record inside a KPL aggregate.
 *
 * @example
 * ```ts
 * import type { KplUserRecord } from '@aiops/ingest';
 * const text = (r: KplUserRecord) => `${r.partitionKey}#${r.subSequenceNumber}: ${new TextDecoder().decode(r.data)}`;
 * ```
 */
export interface KplUserRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  /** Index within the aggregate: with the outer sequence number, the record's position. */
  readonly subSequenceNumber: number;
}

/**
 * What {@link deaggregateKpl} found: the user records, or why the aggregate is broken.
 *
 * @example
 * ```ts
 * import { deaggregateKpl, type KplDeaggregation } from '@aiops/ingest';
 * const res: KplDeaggregation = deaggregateKpl(new Uint8Array([0xf3, 0x89, 0x9a, 0xc2]));
 * if (!res.ok) console.warn(res.reason); // 'KPL aggregate is truncated (4 bytes, at least 20 expected)'
 * ```
 */
export type KplDeaggregation =
  | { readonly ok: true; readonly records: readonly KplUserRecord[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Splits a KPL-aggregated record into its user records, after checking the MD5 trailer. A broken
 * aggregate (truncated, failed checksum, bad protobuf) is reported, not thrown. Uses the
 * `aws-kinesis-agg` library for the protobuf.
 *
 * @example
 * ```ts
 * import { aggregateKpl, deaggregateKpl } from '@aiops/ingest';
 * const built = aggregateKpl([{ partitionKey: 'a', data: new TextEncoder().encode('one') }]);
 * const res = deaggregateKpl(built.data, built.partitionKey);
 * if (res.ok) res.records.length; // 1
 * ```
 */
export function deaggregateKpl(data: Uint8Array, partitionKey = ''): KplDeaggregation {
  if (!isKplAggregate(data)) return { ok: false, reason: 'not a KPL aggregate (magic bytes f3 89 9a c2 missing)' };
  if (data.length < KPL_MAGIC.length + MD5_BYTES) {
    return { ok: false, reason: `KPL aggregate is truncated (${data.length} bytes, at least 20 expected)` };
  }
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const body = buf.subarray(4, buf.length - MD5_BYTES);
  const trailer = buf.subarray(buf.length - MD5_BYTES);
  const md5 = createHash('md5').update(body).digest();
  if (!md5.equals(trailer)) {
    return {
      ok: false,
      reason: `KPL aggregate failed its MD5 check (trailer ${trailer.toString('hex')}, computed ${md5.toString('hex')})`,
    };
  }
  let failure: string | undefined;
  let out: KplUserRecord[] = [];
  try {
    agg.deaggregateSync({ data: buf, partitionKey }, false, (err, records) => {
      if (err) failure ??= err.message;
      else if (records) {
        out = records.map((r, i) => ({
          data: Buffer.from(r.data, 'base64'),
          partitionKey: r.partitionKey ?? partitionKey,
          ...(r.explicitPartitionKey ? { explicitHashKey: r.explicitPartitionKey } : {}),
          subSequenceNumber: r.subSequenceNumber ?? i,
        }));
      }
    });
  } catch (err) {
    failure ??= (err as Error).message;
  }
  if (failure !== undefined) return { ok: false, reason: `KPL aggregate has a bad protobuf body: ${failure}` };
  for (const r of out) {
    if (typeof r.partitionKey !== 'string') {
      return { ok: false, reason: `KPL user record ${r.subSequenceNumber} points outside the partition key table` };
    }
  }
  return { ok: true, records: out };
}

/**
 * A user record to aggregate.
 *
 * @example
 * ```ts
 * import type { KplInput } from '@aiops/ingest';
 * const input: KplInput = { partitionKey: 'checkout', data: new TextEncoder().encode('{"n":1}') };
 * ```
 */
export interface KplInput {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
}

/**
 * An aggregated record, ready for `PutRecords`.
 *
 * @example
 * ```ts
 * import { aggregateKpl, type KplAggregate } from '@aiops/ingest';
 * const agg: KplAggregate = aggregateKpl([{ partitionKey: 'a', data: new Uint8Array([1]) }]);
 * const entry = { PartitionKey: agg.partitionKey, Data: agg.data, ExplicitHashKey: agg.explicitHashKey };
 * ```
 */
export interface KplAggregate {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
  /** How many user records it holds. */
  readonly count: number;
}

/**
 * Builds KPL aggregates one at a time: `tryAdd` refuses a record that would push the aggregate
 * past `maxBytes`; then `build` the current one and start again. Our own protobuf writer: the
 * `aws-kinesis-agg` aggregator orders its partition key table with `Object.keys`, which puts
 * integer-like keys ("0", "42") first and so assigns user records the wrong partition keys.
 *
 * @example
 * ```ts
 * import { KplAggregator } from '@aiops/ingest';
 * const a = new KplAggregator(50 * 1024);
 * a.tryAdd({ partitionKey: 'checkout', data: new TextEncoder().encode('{"n":1}') });
 * const built = a.build(); // { partitionKey: 'checkout', data: Uint8Array, count: 1 }
 * ```
 */
export class KplAggregator {
  readonly #maxBytes: number;
  #keys = new Map<string, number>();
  #keyBytes: Buffer[] = [];
  #hashKeys = new Map<string, number>();
  #hashKeyBytes: Buffer[] = [];
  #records: Array<{ readonly key: number; readonly hashKey: number | undefined; readonly data: Uint8Array }> = [];
  #first: KplInput | undefined;
  #body = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** User records in the aggregate being built. */
  get count(): number {
    return this.#records.length;
  }

  /** Size of the aggregate if built now (magic, protobuf, MD5). */
  get bytes(): number {
    return KPL_MAGIC.length + this.#body + MD5_BYTES;
  }

  /** The bytes a record adds to the current aggregate. */
  sizeOf(record: KplInput): number {
    let size = 0;
    let key = this.#keys.get(record.partitionKey);
    if (key === undefined) {
      key = this.#keys.size;
      size += fieldSize(Buffer.byteLength(record.partitionKey));
    }
    let hashKey: number | undefined;
    if (record.explicitHashKey !== undefined) {
      hashKey = this.#hashKeys.get(record.explicitHashKey);
      if (hashKey === undefined) {
        hashKey = this.#hashKeys.size;
        size += fieldSize(Buffer.byteLength(record.explicitHashKey));
      }
    }
    return size + fieldSize(innerSize(key, hashKey, record.data.length));
  }

  /** Adds the record unless the aggregate would exceed `maxBytes` (an empty aggregate always takes it). */
  tryAdd(record: KplInput): boolean {
    const size = this.sizeOf(record);
    if (this.#records.length > 0 && this.bytes + size > this.#maxBytes) return false;
    let key = this.#keys.get(record.partitionKey);
    if (key === undefined) {
      key = this.#keys.size;
      this.#keys.set(record.partitionKey, key);
      this.#keyBytes.push(Buffer.from(record.partitionKey, 'utf8'));
    }
    let hashKey: number | undefined;
    if (record.explicitHashKey !== undefined) {
      hashKey = this.#hashKeys.get(record.explicitHashKey);
      if (hashKey === undefined) {
        hashKey = this.#hashKeys.size;
        this.#hashKeys.set(record.explicitHashKey, hashKey);
        this.#hashKeyBytes.push(Buffer.from(record.explicitHashKey, 'utf8'));
      }
    }
    this.#first ??= record;
    this.#records.push({ key, hashKey, data: record.data });
    this.#body += size;
    return true;
  }

  /**
   * Encodes the current aggregate and starts an empty one; `undefined` when empty. The aggregate
   * takes the first record's partition key (and explicit hash key), or `explicitHashKey` when
   * given, which is how a producer pins it to the shard its records belong to.
   */
  build(explicitHashKey?: string): KplAggregate | undefined {
    const first = this.#first;
    if (!first) return undefined;
    const out = Buffer.allocUnsafe(this.bytes);
    out.set(KPL_MAGIC, 0);
    let at = KPL_MAGIC.length;
    for (const k of this.#keyBytes) at = writeBytes(out, at, 0x0a, k);
    for (const k of this.#hashKeyBytes) at = writeBytes(out, at, 0x12, k);
    for (const r of this.#records) {
      out[at++] = 0x1a;
      at = writeVarint(out, at, innerSize(r.key, r.hashKey, r.data.length));
      out[at++] = 0x08;
      at = writeVarint(out, at, r.key);
      if (r.hashKey !== undefined) {
        out[at++] = 0x10;
        at = writeVarint(out, at, r.hashKey);
      }
      at = writeBytes(out, at, 0x1a, r.data);
    }
    createHash('md5').update(out.subarray(KPL_MAGIC.length, at)).digest().copy(out, at);
    const ehk = explicitHashKey ?? first.explicitHashKey;
    const built: KplAggregate = {
      partitionKey: first.partitionKey,
      ...(ehk === undefined ? {} : { explicitHashKey: ehk }),
      data: out,
      count: this.#records.length,
    };
    this.#keys = new Map();
    this.#keyBytes = [];
    this.#hashKeys = new Map();
    this.#hashKeyBytes = [];
    this.#records = [];
    this.#first = undefined;
    this.#body = 0;
    return built;
  }
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

/** A length-delimited field: tag, length, bytes. */
function fieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

function innerSize(key: number, hashKey: number | undefined, dataLength: number): number {
  return 1 + varintSize(key) + (hashKey === undefined ? 0 : 1 + varintSize(hashKey)) + fieldSize(dataLength);
}

function writeVarint(out: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

function writeBytes(out: Buffer, at: number, tag: number, bytes: Uint8Array): number {
  out[at++] = tag;
  at = writeVarint(out, at, bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}

/**
 * Aggregates user records into one KPL record (for tests and small batches; the producer uses
 * {@link KplAggregator} to respect size limits).
 *
 * @example
 * ```ts
 * import { aggregateKpl, isKplAggregate } from '@aiops/ingest';
 * const rec = aggregateKpl([
 *   { partitionKey: 'a', data: new TextEncoder().encode('1') },
 *   { partitionKey: 'b', data: new TextEncoder().encode('2') },
 * ]);
 * isKplAggregate(rec.data); // true
 * ```
 */
export function aggregateKpl(records: readonly KplInput[]): KplAggregate {
  if (records.length === 0) throw new TypeError('aggregateKpl needs at least one record');
  const a = new KplAggregator(Number.POSITIVE_INFINITY);
  for (const r of records) a.tryAdd(r);
  return a.build()!;
}
