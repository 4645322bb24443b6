import {
  assertJson,
  type Clock,
  type DeleteOptions,
  type ListOptions,
  type ListPage,
  type PutOptions,
  type PutResult,
  parseOptions,
  type StateStore,
  type StoreItem,
  systemClock,
} from '@aiops/core';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import {
  type ClientOrConfig,
  clientFields,
  dynamoClientOf,
  notBoth,
  type OwnedClient,
  releaseClient,
} from '../aws/clients.js';
import { AwsCallError, isAwsError } from '../errors.js';
import { compareCodePoints, partitionOf } from './keys.js';

/**
 * Options of {@link createDynamoDbStateStore}.
 *
 * @example
 * ```ts
 * import type { DynamoDbStateStoreOptions } from '@aiops/ingest';
 * const options: DynamoDbStateStoreOptions = { tableName: 'aiops-state', namespace: 'prod', clientConfig: { region: 'eu-west-1' } };
 * ```
 */
export type DynamoDbStateStoreOptions = ClientOrConfig<DynamoDBClient, DynamoDBClientConfig> & {
  /** The table: hash key `pk` (S), range key `sk` (S); see {@link createDynamoDbStateStoreTable}. */
  readonly tableName: string;
  /** Keeps several stores apart in one table (a prefix of every partition key). Defaults to `aiops`. */
  readonly namespace?: string;
  /** Clock that expiry is read against; defaults to the system clock. */
  readonly clock?: Clock;
  /**
   * Attribute set to the expiry in epoch seconds, for DynamoDB's TTL deletion (enable TTL on it).
   * Expired items read as absent either way. `false` writes none. Defaults to `ttl`.
   */
  readonly ttlAttribute?: string | false;
};

const OptionsSchema = z
  .object({
    ...clientFields,
    tableName: z.string().min(3).max(255),
    namespace: z
      .string()
      .min(1)
      .regex(/^[^#]+$/, 'must not contain #')
      .default('aiops'),
    clock: z
      .custom<Clock>((v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function')
      .optional(),
    ttlAttribute: z.union([z.string().min(1), z.literal(false)]).default('ttl'),
  })
  .superRefine(notBoth);

/**
 * A `StateStore` on DynamoDB, see {@link createDynamoDbStateStore}.
 *
 * @example
 * ```ts
 * import { createDynamoDbStateStore, type DynamoDbStateStore } from '@aiops/ingest';
 * const store: DynamoDbStateStore = createDynamoDbStateStore({ tableName: 'aiops-state', clientConfig: { region: 'eu-west-1' } });
 * const won = await store.put('lock/nightly-report', { owner: 'worker-a' }, { expectedVersion: 0, expiresAt: Date.now() + 60_000 });
 * await store.close();
 * ```
 */
export interface DynamoDbStateStore extends StateStore {
  readonly tableName: string;
  close(): Promise<void>;
}

const MAX_SK_BYTES = 1024;

/**
 * Creates a `StateStore` on a DynamoDB table, for pipelines that run on several workers: the
 * incident store, the outbox, detector snapshots, checkpoints.
 *
 * Key schema: the partition key `pk` is `<namespace>#` plus the key up to its first `/` (so
 * `incident/…`, `outbox/…`, `detector/…` each live in one partition) and the sort key `sk` is the
 * whole key. Listing a prefix that contains a `/` is then one Query, never a Scan; a prefix without
 * `/` (rare: `''`, `'a'`) queries a small registry of partitions and merges. Every write is
 * conditional on the `version` attribute; `expiresAt` (epoch ms) makes an item read as absent from
 * that time on, and `ttl` (epoch seconds) lets DynamoDB delete it later. Values are stored as JSON
 * text (`value`), so an item holds up to about 400 KB.
 *
 * Each partition key is one DynamoDB partition: about 1000 writes a second each, far above what
 * incidents and the outbox need.
 *
 * @example
 * ```ts
 * import { createDynamoDbStateStore } from '@aiops/ingest';
 * import { createPipeline } from '@aiops/pipeline';
 * const store = createDynamoDbStateStore({ tableName: 'aiops-state', clientConfig: { region: 'eu-west-1' } });
 * const pipeline = createPipeline({ sources: [], detectors: [], store });
 * ```
 */
export function createDynamoDbStateStore(options: DynamoDbStateStoreOptions): DynamoDbStateStore {
  return new DynamoDbStore(parseOptions(OptionsSchema, options, 'createDynamoDbStateStore'));
}

type Resolved = z.output<typeof OptionsSchema>;
type Item = Record<string, AttributeValue>;

class DynamoDbStore implements DynamoDbStateStore {
  readonly tableName: string;
  readonly #o: Resolved;
  readonly #db: OwnedClient<DynamoDBClient>;
  readonly #clock: Clock;
  readonly #registered = new Set<string>();
  #closing: Promise<void> | undefined;

  constructor(o: Resolved) {
    this.#o = o;
    this.tableName = o.tableName;
    this.#db = dynamoClientOf(o);
    this.#clock = o.clock ?? systemClock;
  }

  #pk(partition: string): string {
    return `${this.#o.namespace}#${partition}`;
  }

  get #registryPk(): string {
    return `${this.#o.namespace}#~partitions`;
  }

  async get<T>(key: string): Promise<StoreItem<T> | undefined> {
    assertKey(key);
    const res = await this.#send('GetItem', () =>
      this.#db.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: this.#keyOf(key), ConsistentRead: true }),
      ),
    );
    return this.#live<T>(res.Item);
  }

  async put<T>(key: string, value: T, options: PutOptions = {}): Promise<PutResult<T>> {
    assertKey(key);
    assertJson(value);
    if (options.expiresAt !== undefined && !Number.isFinite(options.expiresAt)) {
      throw new TypeError(`expiresAt must be a finite number of epoch ms, got ${options.expiresAt}`);
    }
    await this.#register(partitionOf(key));
    const json = JSON.stringify(value);
    const expected = options.expectedVersion;
    let version: number | undefined;
    if (expected === 0) version = await this.#create(key, json, options.expiresAt, true);
    else if (expected === undefined) version = await this.#overwrite(key, json, options.expiresAt);
    else version = await this.#replace(key, json, expected, options.expiresAt);
    if (version === undefined) return { ok: false, reason: 'conflict', current: await this.get<T>(key) };
    const expiry = options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt };
    return { ok: true, item: { key, value, version, ...expiry } };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    assertKey(key);
    const names: Record<string, string> = { '#sk': 'sk', '#e': 'expiresAt' };
    const values: Item = { ':now': num(this.#clock.now()) };
    let condition = 'attribute_exists(#sk) AND (attribute_not_exists(#e) OR #e > :now)';
    if (options.expectedVersion !== undefined) {
      condition += ' AND #v = :v';
      names['#v'] = 'version';
      values[':v'] = num(options.expectedVersion);
    }
    try {
      await this.#send('DeleteItem', () =>
        this.#db.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: this.#keyOf(key),
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async list<T>(prefix: string, options: ListOptions = {}): Promise<ListPage<T>> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (!(limit > 0)) throw new TypeError(`list limit must be a positive number, got ${options.limit}`);
    const partitions = prefix.includes('/')
      ? [partitionOf(prefix)]
      : [...(await this.#partitionsStartingWith(prefix)), ''];
    const pages = await Promise.all(partitions.map((p) => this.#queryPartition<T>(p, prefix, options.cursor, limit)));
    const merged = pages.flatMap((p) => p.items).sort((a, b) => compareCodePoints(a.key, b.key));
    const items = merged.slice(0, Math.min(merged.length, limit));
    const more = merged.length > items.length || pages.some((p) => p.more);
    const last = items[items.length - 1];
    return more && last ? { items, cursor: last.key } : { items };
  }

  close(): Promise<void> {
    this.#closing ??= Promise.resolve().then(() => releaseClient(this.#db));
    return this.#closing;
  }

  // ------------------------------------------------------------------ writes

  /** Writes version 1 if the key is absent (or expired); `undefined` on a conflict (when `conditional`). */
  async #create(
    key: string,
    json: string,
    expiresAt: number | undefined,
    conditional: boolean,
  ): Promise<number | undefined> {
    const item: Item = { ...this.#keyOf(key), value: { S: json }, version: num(1), ...this.#expiryAttrs(expiresAt) };
    const condition = conditional ? 'attribute_not_exists(#sk) OR #e <= :now' : 'attribute_exists(#sk) AND #e <= :now'; // only over an expired item
    try {
      await this.#send('PutItem', () =>
        this.#db.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: condition,
            ExpressionAttributeNames: { '#sk': 'sk', '#e': 'expiresAt' },
            ExpressionAttributeValues: { ':now': num(this.#clock.now()) },
          }),
        ),
      );
      return 1;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /** An unconditional write: the version goes up by one, or restarts at 1 over an absent or expired item. */
  async #overwrite(key: string, json: string, expiresAt: number | undefined): Promise<number> {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const updated = await this.#update(
        key,
        json,
        expiresAt,
        'attribute_not_exists(#sk) OR attribute_not_exists(#e) OR #e > :now',
        {},
      );
      if (updated !== undefined) return updated;
      // The item is there but expired: it counts as absent, so the new one starts at version 1.
      const created = await this.#create(key, json, expiresAt, false);
      if (created !== undefined) return created;
    }
    throw new AwsCallError(
      'PutItem',
      'AWS_UNAVAILABLE',
      'TooManyConflicts',
      `key ${key}: kept changing during an unconditional write`,
      {
        cause: undefined,
        status: undefined,
      },
    );
  }

  /** A write conditional on the stored version; `undefined` on a conflict. */
  #replace(key: string, json: string, expected: number, expiresAt: number | undefined): Promise<number | undefined> {
    return this.#update(key, json, expiresAt, '#v = :expected AND (attribute_not_exists(#e) OR #e > :now)', {
      ':expected': num(expected),
    });
  }

  async #update(
    key: string,
    json: string,
    expiresAt: number | undefined,
    condition: string,
    extraValues: Item,
  ): Promise<number | undefined> {
    const names: Record<string, string> = { '#v': 'version', '#val': 'value', '#e': 'expiresAt' };
    if (condition.includes('#sk')) names['#sk'] = 'sk';
    const values: Item = {
      ':val': { S: json },
      ':one': num(1),
      ':zero': num(0),
      ':now': num(this.#clock.now()),
      ...extraValues,
    };
    const sets = ['#val = :val', '#v = if_not_exists(#v, :zero) + :one'];
    const removes: string[] = [];
    const ttl = this.#o.ttlAttribute;
    if (ttl !== false) names['#ttl'] = ttl;
    if (expiresAt === undefined) {
      removes.push('#e');
      if (ttl !== false) removes.push('#ttl');
    } else {
      sets.push('#e = :exp');
      values[':exp'] = num(expiresAt);
      if (ttl !== false) {
        sets.push('#ttl = :ttl');
        values[':ttl'] = num(Math.ceil(expiresAt / 1000));
      }
    }
    try {
      const res = await this.#send('UpdateItem', () =>
        this.#db.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: this.#keyOf(key),
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return Number(res.Attributes?.version?.N);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  #expiryAttrs(expiresAt: number | undefined): Item {
    if (expiresAt === undefined) return {};
    const ttl = this.#o.ttlAttribute;
    return { expiresAt: num(expiresAt), ...(ttl === false ? {} : { [ttl]: num(Math.ceil(expiresAt / 1000)) }) };
  }

  // ------------------------------------------------------------------ reads

  #live<T>(item: Item | undefined): StoreItem<T> | undefined {
    if (!item) return undefined;
    const expiresAt = item.expiresAt?.N === undefined ? undefined : Number(item.expiresAt.N);
    if (expiresAt !== undefined && expiresAt <= this.#clock.now()) return undefined;
    const out: StoreItem<T> = {
      key: item.sk?.S ?? '',
      value: JSON.parse(item.value?.S ?? 'null') as T,
      version: Number(item.version?.N ?? 0),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    return out;
  }

  /** Live items of one partition whose keys start with `prefix` and come after `cursor`, up to `want`. */
  async #queryPartition<T>(
    partition: string,
    prefix: string,
    cursor: string | undefined,
    want: number,
  ): Promise<{ items: StoreItem<T>[]; more: boolean }> {
    const items: StoreItem<T>[] = [];
    const pk = this.#pk(partition);
    // DynamoDB only takes a start key that matches the key condition.
    if (cursor !== undefined && !cursor.startsWith(prefix) && compareCodePoints(cursor, prefix) > 0)
      return { items, more: false };
    let start: Item | undefined = cursor?.startsWith(prefix) ? { pk: { S: pk }, sk: { S: cursor } } : undefined;
    const useBeginsWith = prefix !== '';
    do {
      const res = await this.#send('Query', () =>
        this.#db.client.send(
          new QueryCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            KeyConditionExpression: useBeginsWith ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
            FilterExpression: 'attribute_not_exists(#e) OR #e > :now',
            ExpressionAttributeNames: { '#e': 'expiresAt' },
            ExpressionAttributeValues: {
              ':pk': { S: pk },
              ':now': num(this.#clock.now()),
              ...(useBeginsWith ? { ':prefix': { S: prefix } } : {}),
            },
            ...(Number.isFinite(want) ? { Limit: Math.max(1, want - items.length + 1) } : {}),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const raw of res.Items ?? []) {
        const item = this.#live<T>(raw);
        if (item) items.push(item);
      }
      start = res.LastEvaluatedKey;
    } while (start && items.length <= want);
    return { items, more: start !== undefined || items.length > want };
  }

  async #partitionsStartingWith(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let start: Item | undefined;
    do {
      const res = await this.#send('Query', () =>
        this.#db.client.send(
          new QueryCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            KeyConditionExpression: prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: {
              ':pk': { S: this.#registryPk },
              ...(prefix === '' ? {} : { ':prefix': { S: prefix } }),
            },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of res.Items ?? []) if (item.sk?.S) out.push(item.sk.S);
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Records a partition in the registry the first time this process writes to it. */
  async #register(partition: string): Promise<void> {
    if (partition === '' || this.#registered.has(partition)) return;
    await this.#send('PutItem', () =>
      this.#db.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: { pk: { S: this.#registryPk }, sk: { S: partition } } }),
      ),
    );
    this.#registered.add(partition);
  }

  #keyOf(key: string): Item {
    return { pk: { S: this.#pk(partitionOf(key)) }, sk: { S: key } };
  }

  async #send<R>(operation: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (err) {
      if (isConditionFailure(err)) throw err;
      throw AwsCallError.from(operation, err);
    }
  }
}

function num(n: number): AttributeValue {
  return { N: String(n) };
}

function isConditionFailure(err: unknown): boolean {
  return isAwsError(err, 'ConditionalCheckFailedException');
}

function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('store key must be a non-empty string');
  if (Buffer.byteLength(key) > MAX_SK_BYTES) {
    throw new TypeError(`store key must be at most ${MAX_SK_BYTES} bytes of UTF-8 (DynamoDB's sort key limit)`);
  }
}
