import aggModule from 'aws-kinesis-agg';

/**
 * The typed surface of `aws-kinesis-agg` we use: de-aggregation only. Its own `index.d.ts` imports
 * AWS SDK v2 and `aws-lambda` types, which we neither install nor want in our declarations, so the
 * module is typed here and nowhere else.
 */

/** A user record as the library takes and returns it (lowercase keys: its "v2" record format). */
export interface AggUserRecord {
  readonly partitionKey: string;
  readonly explicitPartitionKey?: string;
  readonly sequenceNumber?: string;
  readonly subSequenceNumber?: number;
  /** base64 on output */
  readonly data: string;
}

interface AggModule {
  deaggregateSync(
    record: { data: Buffer; partitionKey: string; sequenceNumber?: string; explicitPartitionKey?: string },
    computeChecksums: boolean,
    callback: (err: Error | null | undefined, records?: AggUserRecord[]) => void,
  ): void;
}

/** The library, typed. */
export const agg = aggModule as unknown as AggModule;
