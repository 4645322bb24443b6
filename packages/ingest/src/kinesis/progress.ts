import type { ShardCheckpoint } from './checkpoint.js';

/** One record handed out, waiting for its ack. */
export interface ProgressEntry {
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  acked: boolean;
}

/**
 * Tracks the records of one shard from delivery to ack and finds the checkpoint: the highest
 * position below which every record is acked. Records are added in shard order; acks may come in
 * any order. O(1) amortised per record.
 */
export class ShardProgress {
  #entries: ProgressEntry[] = [];
  #head = 0;
  #acked: ShardCheckpoint | undefined;
  #ackedTotal = 0;
  #checkpointedTotal = 0;
  /** Set when the shard is given up (lease lost, read restarted): late acks then change nothing. */
  closed = false;

  /** Records delivered and not yet acked (including any redelivery waiting). */
  get pending(): number {
    return this.#entries.length - this.#head;
  }

  /** Acks that moved the checkpoint position since {@link ShardProgress.markCheckpointed}. */
  get ackedSinceCheckpoint(): number {
    return this.#ackedTotal - this.#checkpointedTotal;
  }

  /** Records whose acks moved the position, since the start. */
  get ackedTotal(): number {
    return this.#ackedTotal;
  }

  /** The highest position with every record before it acked; `undefined` until the first. */
  get position(): ShardCheckpoint | undefined {
    return this.#acked;
  }

  add(sequenceNumber: string, subSequenceNumber: number): ProgressEntry {
    const entry: ProgressEntry = { sequenceNumber, subSequenceNumber, acked: false };
    this.#entries.push(entry);
    return entry;
  }

  /** Marks an entry acked and moves the position past every acked entry at the head. */
  ack(entry: ProgressEntry): void {
    if (this.closed || entry.acked) return;
    entry.acked = true;
    const entries = this.#entries;
    let moved = 0;
    let last: ProgressEntry | undefined;
    while (this.#head < entries.length && entries[this.#head]!.acked) {
      last = entries[this.#head]!;
      this.#head++;
      moved++;
    }
    if (!last) return;
    this.#acked = { checkpoint: last.sequenceNumber, subSequenceNumber: last.subSequenceNumber };
    this.#ackedTotal += moved;
    // Drop the acked prefix now and then, so the array does not grow without bound.
    if (this.#head > 4096 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Call after a checkpoint was written that covered the first `ackedTotal` records. */
  markCheckpointed(ackedTotal: number): void {
    if (ackedTotal > this.#checkpointedTotal) this.#checkpointedTotal = ackedTotal;
  }
}
